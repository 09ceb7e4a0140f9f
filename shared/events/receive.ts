/**
 * Turns an HTTP request into a validated CloudEvent. The SDK neither validates on receive nor
 * refuses events whose required attributes are missing (it invents `id` and `time`), so the
 * raw message is checked first and the SDK's `validate()` runs after parsing.
 */
import { CloudEvent, HTTP } from 'cloudevents';
import { PermanentError } from '../errors.js';

/** A request that is not an acceptable CloudEvent: answer 4xx, never retry. */
export class BadEventError extends PermanentError {
  constructor(
    message: string,
    readonly status: 400 | 413 | 415 = 400,
  ) {
    super(message);
  }
}

const REQUIRED = ['specversion', 'id', 'source', 'type'] as const;

export type RawHeaders = Record<string, string | string[] | undefined>;

function lowerCaseHeaders(headers: RawHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined) out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

function parseStructuredBody(body: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw new BadEventError(`structured CloudEvent body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadEventError('structured CloudEvent body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function checkRequired(read: (attribute: string) => unknown, mode: 'binary' | 'structured'): void {
  const missing = REQUIRED.filter((attribute) => {
    const value = read(attribute);
    return typeof value !== 'string' || value.length === 0;
  });
  if (missing.length > 0) {
    const names = missing.map((a) => (mode === 'binary' ? `ce-${a}` : a)).join(', ');
    throw new BadEventError(`not a CloudEvent: missing required attribute(s) ${names} (${mode} mode)`);
  }
  const version = read('specversion');
  if (version !== '1.0') {
    throw new BadEventError(`unsupported CloudEvents specversion "${String(version)}": only 1.0 is accepted`);
  }
}

/** Parse and validate one CloudEvent from an HTTP request's headers and raw body text. */
export function receiveCloudEvent(rawHeaders: RawHeaders, body: string): CloudEvent<unknown> {
  const headers = lowerCaseHeaders(rawHeaders);
  const type = mediaType(headers['content-type']);
  const structured = type === 'application/cloudevents+json';
  if (type === 'application/cloudevents-batch+json') {
    throw new BadEventError('batched CloudEvents are not supported: send one event per request', 415);
  }
  if (structured) {
    const envelope = parseStructuredBody(body);
    checkRequired((a) => envelope[a], 'structured');
  } else {
    checkRequired((a) => headers[`ce-${a}`], 'binary');
    if (body.length > 0 && type !== 'application/json' && !type.endsWith('+json')) {
      throw new BadEventError(
        `unsupported content type "${headers['content-type'] ?? ''}": event data must be application/json`,
        415,
      );
    }
  }

  let event: CloudEvent<unknown>;
  try {
    // The SDK looks content-type up by exact key; normalised lower-case headers satisfy it.
    event = HTTP.toEvent({ headers, body }) as CloudEvent<unknown>;
  } catch (err) {
    throw new BadEventError(`malformed CloudEvent: ${(err as Error).message}`);
  }
  try {
    event.validate();
  } catch (err) {
    const details = (err as { errors?: unknown }).errors;
    const suffix = details ? ` (${JSON.stringify(details)})` : '';
    throw new BadEventError(`invalid CloudEvent: ${(err as Error).message}${suffix}`);
  }
  return event;
}

/** The event's data as a JSON object, or a BadEventError naming what was expected. */
export function objectData(event: CloudEvent<unknown>, what: string): Record<string, unknown> {
  const data = event.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new BadEventError(`event ${event.type} must carry ${what} as a JSON object in its data`);
  }
  return data as Record<string, unknown>;
}
