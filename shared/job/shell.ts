/**
 * The shell scripts of the init containers that write files (workspace-files, plugin-setup).
 * No value reaches a script unquoted: paths are checked before (workspace.ts, agent-config.ts)
 * and single-quoted here; content travels base64-encoded, so no byte of it is ever shell
 * syntax. The script itself refuses a path that is absolute or climbs out with `..`, in case
 * one got past the checks.
 */

/** `value` as one single-quoted shell word: every `'` closes the quote, is escaped, and reopens it. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface FileToWrite {
  /** Relative to the script's root, already checked and normalised. */
  path: string;
  content: string;
}

/**
 * A POSIX sh script that writes each file under `root` (an absolute directory). The root is
 * the script's first assignment, so the same script can be tried on another directory.
 */
export function writeFilesScript(root: string, files: readonly FileToWrite[]): string {
  const lines = [
    'set -eu',
    `root=${shellQuote(root)}`,
    'put() {',
    '  case "/$1/" in //*|*/../*|*/./*) echo "refusing to write $1: not a path inside $root" >&2; exit 1;; esac',
    '  mkdir -p "$(dirname "$root/$1")"',
    '  printf \'%s\' "$2" | base64 -d > "$root/$1"',
    '}',
  ];
  for (const file of files) {
    lines.push(`put ${shellQuote(file.path)} ${shellQuote(Buffer.from(file.content, 'utf8').toString('base64'))}`);
  }
  return lines.join('\n');
}
