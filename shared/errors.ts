/**
 * Every failure a handler meets is either permanent (bad input: answer 4xx or fail the Task,
 * never retry) or transient (a dependency is down: answer 503/429 so the broker retries).
 */

export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class TransientError extends Error {
  override readonly name = 'TransientError';
  /** Seconds the caller should wait before retrying, when the remote said so. */
  readonly retryAfterSeconds?: number;
  constructor(message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

export function isTransient(err: unknown): err is TransientError {
  return err instanceof TransientError;
}

/** The object a request named does not exist (any more): permanent, usually "nothing to do". */
export class NotFoundError extends PermanentError {}

/**
 * An event its producer may not send — a forged launch, a completion for a Task that only its
 * own Job may finish: answered 403 (the broker does not retry it), logged and counted by reason.
 */
export class RefusedEventError extends PermanentError {
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
  }
}

export type RefusalReason = 'prompt-mismatch' | 'not-external' | 'not-ready' | 'unknown-task' | 'namespace-not-served' | 'not-finished';
