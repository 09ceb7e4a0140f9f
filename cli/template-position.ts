/**
 * Where in the manifest file a template error is. Template errors count lines (and columns,
 * when known) inside the prompt; for a prompt written as a literal block (`prompt: |`) or on
 * one line, that maps straight onto the file, so an editor can jump to it. Otherwise the
 * position of the prompt itself is given.
 */
import type { ManifestDoc, Position } from '../shared/local/manifests.js';

const PROMPT = ['spec', 'prompt'];

/**
 * The 1-based line and column of a template error inside the prompt: from the error's own
 * `line` / `column` (0-based, Go's convention) when it has them, else from a Go-style message
 * (`template: x:3: ...` names the line only).
 */
export function templateErrorPosition(err: Error & { line?: number; column?: number }): { line: number; col?: number } | undefined {
  if (typeof err.line === 'number') return typeof err.column === 'number' ? { line: err.line, col: err.column + 1 } : { line: err.line };
  const match = /:(\d+):\s/.exec(err.message);
  return match ? { line: Number(match[1]) } : undefined;
}

/** `path` is where the template is written: a Task's spec.prompt, a TaskSpawner's promptTemplate. */
export function templatePosition(doc: ManifestDoc, err: Error, path: readonly string[] = PROMPT): Position & { file: string } {
  const fallback = { file: doc.file, ...doc.positionOf(path) };
  const at = templateErrorPosition(err);
  const range = doc.rangeOf(path);
  if (!at || !range) return fallback;
  const source = doc.text.slice(range[0], range[1]);
  if (source.startsWith('|')) {
    // Block literal: the content starts on the line after the indicator, at a fixed indent.
    const lines = source.split('\n');
    const firstContent = lines.slice(1).find((line) => line.trim() !== '') ?? '';
    const indent = firstContent.length - firstContent.trimStart().length;
    const header = doc.positionAt(range[0]);
    return { file: doc.file, line: header.line + at.line, col: indent + (at.col ?? 1) };
  }
  if (!source.includes('\n') && !source.startsWith('>')) {
    const start = doc.positionAt(range[0]);
    const quote = source.startsWith('"') || source.startsWith("'") ? 1 : 0;
    if (at.line === 1) return { file: doc.file, line: start.line, col: start.col + quote + (at.col ?? 1) - 1 };
  }
  return fallback;
}
