/** The one error type template rendering throws. */
import { PermanentError } from '../errors.js';

export type TemplateStage = 'parse' | 'execute' | 'limit';

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
    super(message, options);
    if (options?.line !== undefined) this.line = options.line;
    if (options?.column !== undefined) this.column = options.column;
  }
}
