/**
 * Writing a file under a directory the way an init container writes into its volume — except
 * that here a symlink could point anywhere on the user's machine: a cloned repository may hold
 * one named like a file the Workspace writes. No symlink is followed, in any directory on the
 * way or at the file itself; the path is one already checked to stay inside (workspace.ts).
 */
import { closeSync, constants, lstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class UnsafePathError extends Error {
  override readonly name = 'UnsafePathError';
}

export function writeInside(root: string, relativePath: string, content: string): void {
  const parts = relativePath.split('/');
  let dir = root;
  for (const part of parts.slice(0, -1)) {
    dir = join(dir, part);
    let stat;
    try {
      stat = lstatSync(dir);
    } catch {
      mkdirSync(dir);
      continue;
    }
    if (stat.isSymbolicLink() || !stat.isDirectory()) throw new UnsafePathError(`${relativePath}: ${part} is not a directory of the repository (a symlink?)`);
  }
  let fd: number;
  try {
    // O_NOFOLLOW: a symlink at the file itself fails the open instead of being written through.
    fd = openSync(join(root, relativePath), constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EISDIR') throw new UnsafePathError(`${relativePath}: is a symlink or a directory in the repository; not written`);
    throw err;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
}
