/**
 * Output capture: an agent reports what it produced by printing a block between two marker
 * lines at the end of its log. Every line of the block is an output; `key: value` lines are
 * also results, which dependents reach as `.Deps.<name>.Results.<key>`.
 *
 * Compared with Axon/Kelos (which search the markers as substrings): a marker counts only as
 * a whole line (after trimming), so a marker quoted inside a sentence or a JSON log line —
 * an echoed prompt, say — never opens a block. As in Axon, the last complete block wins (a
 * retried agent's final answer replaces an earlier one), lines are trimmed, blank lines are
 * dropped, and the key/value split is at the first ": " with the last duplicate winning.
 */

/** Lines that open a block; Axon's spelling and Kelos's (Axon's later name). */
export const OUTPUT_START_MARKERS: readonly string[] = ['---AXON_OUTPUTS_START---', '---KELOS_OUTPUTS_START---'];
/** Lines that close a block. */
export const OUTPUT_END_MARKERS: readonly string[] = ['---AXON_OUTPUTS_END---', '---KELOS_OUTPUTS_END---'];

export interface ParsedOutputs {
  outputs: string[];
  results: Record<string, string>;
}

const KEY_VALUE_SEPARATOR = ': ';

/** The last complete output block in `log`, or null when the log has none. */
export function parseOutputs(log: string): ParsedOutputs | null {
  const block = lastBlock(log);
  if (block === undefined) return null;
  const outputs: string[] = [];
  for (const raw of log.slice(block.from, block.to).split('\n')) {
    const line = raw.trim();
    if (line !== '') outputs.push(line);
  }
  return { outputs, results: resultsOf(outputs) };
}

/** `key: value` lines as a map; keys are trimmed and must not be empty; the last duplicate wins. */
export function resultsOf(lines: readonly string[]): Record<string, string> {
  // A Map, then fromEntries: a key such as "__proto__" becomes a plain own property instead
  // of replacing the object's prototype.
  const results = new Map<string, string>();
  for (const line of lines) {
    const at = line.indexOf(KEY_VALUE_SEPARATOR);
    if (at < 0) continue;
    const key = line.slice(0, at).trim();
    if (key === '') continue;
    results.set(key, line.slice(at + KEY_VALUE_SEPARATOR.length));
  }
  return Object.fromEntries(results);
}

/**
 * The log around its last complete block (markers included in neither part), or null when it
 * has none: what an agent said besides its outputs.
 */
export function aroundLastBlock(log: string): { before: string; after: string } | null {
  const block = lastBlock(log);
  if (block === undefined) return null;
  const startLine = log.lastIndexOf('\n', block.from - 2) + 1;
  const endLineEnd = log.indexOf('\n', block.to);
  return { before: log.slice(0, startLine), after: endLineEnd < 0 ? '' : log.slice(endLineEnd + 1) };
}

/**
 * Offsets of the body of the last complete block: from just after its start line to the
 * start of its end line. One forward pass over the lines; a start line while a block is
 * open starts it afresh (the block an end line closes begins at the nearest start before it);
 * an end line with no open block is ignored.
 */
function lastBlock(log: string): { from: number; to: number } | undefined {
  let open = -1;
  let found: { from: number; to: number } | undefined;
  let lineStart = 0;
  while (lineStart <= log.length) {
    let lineEnd = log.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = log.length;
    const marker = markerAt(log, lineStart, lineEnd);
    if (marker === 'start') {
      open = lineEnd + 1;
    } else if (marker === 'end' && open >= 0) {
      found = { from: open, to: lineStart };
      open = -1;
    }
    lineStart = lineEnd + 1;
  }
  return found;
}

const MARKER_LENGTHS = new Set([...OUTPUT_START_MARKERS, ...OUTPUT_END_MARKERS].map((m) => m.length));

/**
 * Whether log[from, to) is a marker line. The surrounding whitespace is skipped in place and
 * the length compared first, so the (many, possibly long) ordinary lines are never copied.
 */
function markerAt(log: string, from: number, to: number): 'start' | 'end' | undefined {
  while (from < to && isSpace(log.charCodeAt(from))) from++;
  while (to > from && isSpace(log.charCodeAt(to - 1))) to--;
  if (!MARKER_LENGTHS.has(to - from)) return undefined;
  const line = log.slice(from, to);
  if (OUTPUT_START_MARKERS.includes(line)) return 'start';
  if (OUTPUT_END_MARKERS.includes(line)) return 'end';
  return undefined;
}

/** The characters String.prototype.trim removes (JavaScript's WhiteSpace and LineTerminator). */
const SPACE = /\s/;
function isSpace(code: number): boolean {
  if (code === 0x20 || (code >= 0x09 && code <= 0x0d)) return true;
  return code > 0x7f && SPACE.test(String.fromCharCode(code));
}
