/**
 * Where in the manifest file a template error is. Template errors count lines (and columns,
 * when known) inside the prompt; for a prompt written as a literal block (`prompt: |`) or on
 * one line, that maps straight onto the file, so an editor can jump to it. Otherwise the
 * position of the prompt itself is given.
 */
import type { ManifestDoc, Position } from '../shared/local/manifests.js';

const PROMPT = ['spec', 'prompt'];

/** The 1-based line and column a template error message names, e.g. `template: x:3:14: ...`. */
export function templateErrorPosition(message: string): { line: number; col?: number } | undefined {
  const match = /:(\d+)(?::(\d+))?:\s/.exec(message) ?? /\bline (\d+)(?:,? col(?:umn)? (\d+))?/i.exec(message);
  if (!match) return undefined;
  const line = Number(match[1]);
  return match[2] !== undefined ? { line, col: Number(match[2]) } : { line };
}

export function templatePosition(doc: ManifestDoc, err: Error): Position & { file: string } {
  const fallback = { file: doc.file, ...doc.positionOf(PROMPT) };
  const at = templateErrorPosition(err.message);
  const range = doc.rangeOf(PROMPT);
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
