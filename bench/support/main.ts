/** Running a benchmark file as a program (`node dist/bench/<name>.js`). */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** True when the module at `url` is the program node was started with. */
export function isMain(url: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return pathToFileURL(realpathSync(entry)).href === url;
  } catch {
    return false;
  }
}

export function printSection(title: string, body: string): void {
  process.stdout.write(`\n## ${title}\n\n${body}\n`);
}
