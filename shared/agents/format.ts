/**
 * What an agent CLI said, read from its own machine-readable log: its final answer, the tokens
 * (and money) it spent, and whether it reported a failure itself — which it may do while its
 * process exits 0. One module per agent type reads that type's format (claude-code.ts, …).
 */

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** When the format reports it (claude-code, opencode). */
  costUSD?: number;
}

export interface AgentAnswer {
  /** The final answer as plain text; '' when the agent gave none. */
  response: string;
  usage: Usage | null;
  /** The agent's own failure report (e.g. `agent reported error_max_turns after 3 turns`). */
  failure: string | null;
}

export interface AgentFormat {
  /**
   * The answer in `log`, or null when the log is not in this format (a custom image, a plain
   * command). Lines that are not JSON, or not whole (the tail read may start mid-line), are
   * skipped; this never throws.
   */
  read(log: string): AgentAnswer | null;
  /** Lines for people (the agent's text, one per tool call, the result); none to leave it out. */
  describe(event: JsonObject): string[];
}

export type JsonObject = Record<string, unknown>;

/** Each line of `log` that is a JSON object with a string `type`. */
export function* events(log: string): Generator<JsonObject> {
  let start = 0;
  while (start < log.length) {
    let end = log.indexOf('\n', start);
    if (end < 0) end = log.length;
    // Only lines that look like objects are parsed: the rest of a log can be large.
    let from = start;
    while (from < end && (log.charCodeAt(from) === 0x20 || log.charCodeAt(from) === 0x09)) from++;
    if (log.charCodeAt(from) === 0x7b /* { */) {
      const event = parseObject(log.slice(from, end));
      if (event && typeof event.type === 'string') yield event;
    }
    start = end + 1;
  }
}

function parseObject(text: string): JsonObject | null {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function field(value: unknown, key: string): unknown {
  return isObject(value) ? value[key] : undefined;
}

/** A finite, non-negative number, else 0. */
export function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

export function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The first line of a message, cut to a readable length. */
export function headline(message: string, max = 300): string {
  const first = message.trim().split('\n', 1)[0] ?? '';
  return first.length > max ? `${first.slice(0, max)}…` : first;
}

/** Non-blank lines of a text, trimmed at the end. */
export function lines(value: string): string[] {
  return value.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
}

/** A tool call in one line: its name and a short view of its input. */
export function toolLine(name: string, input: unknown): string {
  let args = '';
  if (isObject(input)) {
    const command = input.command ?? input.file_path ?? input.path ?? input.pattern ?? input.url ?? input.query;
    args = typeof command === 'string' ? command : JSON.stringify(input);
  } else if (typeof input === 'string') args = input;
  return `→ ${name}${args ? ` ${headline(args, 160)}` : ''}`;
}
