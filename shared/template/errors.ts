/** The one error type template rendering throws. */
import { PermanentError } from '../errors.js';

export type TemplateStage = 'parse' | 'execute' | 'limit';

/**
 * Longest message kept. Messages can quote template values (Go prints what `range` could not
 * iterate over, which may be a megabyte-long string) and end up in Task status and logs.
 */
export const MAX_MESSAGE_LENGTH = 4096;

function capped(message: string): string {
  if (message.length <= MAX_MESSAGE_LENGTH) return message;
  let end = MAX_MESSAGE_LENGTH;
  const c = message.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--; // do not split a surrogate pair
  return `${message.slice(0, end)}… (${message.length - end} more characters)`;
}

/** A template that does not parse, fails while executing, or breaches a limit. */
export class TemplateError extends PermanentError {
  /** 1-based line of the failure, when known. */
  readonly line?: number;
  /** 0-based column, when known: bytes in the Go dialect (Go's convention), characters in nunjucks. */
  readonly column?: number;

  constructor(
    message: string,
    readonly stage: TemplateStage,
    options?: { cause?: unknown; line?: number; column?: number },
  ) {
    super(capped(message), options);
    if (options?.line !== undefined) this.line = options.line;
    if (options?.column !== undefined) this.column = options.column;
  }
}
