/**
 * Turns whatever a Kubernetes API call threw into one of our three errors, so callers decide
 * retry-or-not by type alone: NotFoundError (404), PermanentError (the API server refused the
 * request itself: retrying cannot help), TransientError (throttling, server trouble, network,
 * timeout, and a client that failed before any answer — a configuration fault is ours, not the
 * event's, and must not drop it; a 409 Conflict is a ConflictError, transient too).
 *
 * Duck-typed on purpose: client-node's ApiException is recognised by shape (numeric `code`,
 * `headers`), node-fetch's errors by `name`/`code`, so this module never loads the client.
 * Messages say what failed and why in our own words; from a response body only a Status's
 * `reason` and a cleaned, shortened `message` are used, never the raw body.
 */
import { NotFoundError, PermanentError, TransientError } from '../errors.js';
import { ConflictError } from './cluster.js';

interface ApiExceptionLike {
  code: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface StatusSummary {
  /** CamelCase, e.g. NotFound, AlreadyExists, Conflict, Invalid, TooManyRequests. */
  reason?: string;
  /** The Status message, control characters removed and cut to a readable length. */
  message?: string;
  retryAfterSeconds?: number;
}

const MAX_MESSAGE_CHARS = 300;

/** Socket-level failures worth retrying: the API server (or the path to it) is down or flaky. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

export function isApiException(err: unknown): err is Error & ApiExceptionLike {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'number' && 'headers' in err;
}

/** The HTTP status of a failed API call, or undefined when no response came back. */
export function httpStatusOf(err: unknown): number | undefined {
  return isApiException(err) ? err.code : undefined;
}

function clean(text: string): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > MAX_MESSAGE_CHARS ? `${flat.slice(0, MAX_MESSAGE_CHARS)}…` : flat;
}

/** What a Kubernetes `Status` response body says, if the body is one. */
export function statusOf(body: unknown): StatusSummary {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return {};
    }
  }
  if (typeof value !== 'object' || value === null || (value as { kind?: unknown }).kind !== 'Status') return {};
  const status = value as { reason?: unknown; message?: unknown; details?: { retryAfterSeconds?: unknown } };
  const summary: StatusSummary = {};
  if (typeof status.reason === 'string' && /^[A-Za-z]{1,64}$/.test(status.reason)) summary.reason = status.reason;
  if (typeof status.message === 'string' && status.message.trim() !== '') summary.message = clean(status.message);
  const retry = status.details?.retryAfterSeconds;
  if (typeof retry === 'number' && Number.isFinite(retry) && retry >= 0) summary.retryAfterSeconds = retry;
  return summary;
}

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

function header(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

function describe(code: number, status: StatusSummary): string {
  const head = status.reason ? `HTTP ${code} ${status.reason}` : `HTTP ${code}`;
  return status.message ? `${head}: ${status.message}` : head;
}

export interface ClassifyContext {
  /** The request timeout in force, for the message when a call was aborted by it. */
  timeoutMs?: number;
}

/**
 * @param what  the operation, e.g. `patch status of Task default/build` — leads the message.
 */
export function classifyError(err: unknown, what: string, context: ClassifyContext = {}): Error {
  if (err instanceof PermanentError || err instanceof TransientError) return err;
  const options = { cause: err };

  if (isApiException(err)) {
    const code = err.code;
    const status = statusOf(err.body);
    if (code === 404) return new NotFoundError(`${what}: not found (${describe(code, status)})`, options);
    if (code === 429) {
      const retryAfterSeconds = parseRetryAfter(header(err.headers, 'retry-after')) ?? status.retryAfterSeconds;
      return new TransientError(`${what}: the API server is throttling requests (${describe(code, status)})`, {
        ...options,
        retryAfterSeconds,
      });
    }
    if (code === 409) {
      // A precondition (resourceVersion) failed, or a write raced another: reading again and
      // deciding again resolves it, so it is retried. (createJob turns AlreadyExists into
      // success before this.)
      return new ConflictError(`${what}: conflict, the object changed meanwhile (${describe(code, status)})`, options);
    }
    if (code >= 500 || code === 408) {
      return new TransientError(`${what}: the API server failed (${describe(code, status)})`, options);
    }
    if (code >= 400) return new PermanentError(`${what}: rejected by the API server (${describe(code, status)})`, options);
    // 1xx/3xx, or a 2xx the client could not use: something between us and the server misbehaved.
    return new TransientError(`${what}: unexpected answer from the API server (${describe(code, status)})`, options);
  }

  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    if (err.name === 'AbortError' || (err as { type?: unknown }).type === 'aborted') {
      const limit = context.timeoutMs !== undefined ? ` within ${context.timeoutMs} ms` : '';
      return new TransientError(`${what}: no answer from the API server${limit}`, options);
    }
    if (typeof code === 'string' && NETWORK_CODES.has(code)) {
      return new TransientError(`${what}: the API server is unreachable (${code})`, options);
    }
    if (err.name === 'FetchError' || (err as { type?: unknown }).type === 'system') {
      return new TransientError(`${what}: the connection to the API server failed`, options);
    }
    if (err instanceof SyntaxError) {
      // A body that is not the JSON the API promises: a proxy or a half-written response.
      return new TransientError(`${what}: unreadable response from the API server`, options);
    }
    return new TransientError(`${what}: the Kubernetes client failed before the API server answered: ${clean(err.message)}`, options);
  }
  return new TransientError(`${what}: the Kubernetes client failed before the API server answered`, options);
}
