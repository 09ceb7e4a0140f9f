import { PermanentError } from '../errors.js';

/** A request that is not an acceptable CloudEvent: answer 4xx, never retry. */
export class BadEventError extends PermanentError {
  constructor(
    message: string,
    readonly status: 400 | 413 | 415 | 422 = 400,
  ) {
    super(message);
  }
}

/** A value quoted for a message: JSON-escaped and cut, so no input can flood a log line. */
export function quoted(value: unknown, max = 80): string {
  const text = JSON.stringify(typeof value === 'string' && value.length > max ? `${value.slice(0, max)}…` : value) ?? String(value);
  return text;
}
