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

/** Binary-mode headers the SDK maps onto attributes (CloudEvents 1.0), in the SDK's order. */
const BINARY_ATTRIBUTES: ReadonlyArray<readonly [header: string, attribute: string]> = [
  ['ce-type', 'type'],
  ['ce-specversion', 'specversion'],
  ['ce-source', 'source'],
  ['ce-id', 'id'],
  ['ce-time', 'time'],
  ['ce-dataschema', 'dataschema'],
  ['ce-subject', 'subject'],
  ['datacontenttype', 'datacontenttype'],
  ['content-type', 'datacontenttype'],
];

/** The data content types whose body the SDK parses as JSON (looked up by exact value). */
const JSON_DATA_TYPES = new Set(['application/json', 'application/json; charset=utf-8']);

/**
 * What `HTTP.toEvent` builds from a binary-mode 1.0 message whose data is absent or
 * `application/json`, built directly: the SDK's JSON parser allocates two errors per call
 * (with stack traces) whether or not it fails, which dominates receiving a small event.
 * Returns undefined for everything else, which goes through the SDK. Call only after
 * `checkRequired` passed for binary mode (ce-id, ce-specversion 1.0 and the rest present).
 */
function binaryEvent(headers: Record<string, string>, body: string): CloudEvent<unknown> | undefined {
  // The SDK picks structured or batch mode by this prefix of the raw content type.
  if ((headers['content-type'] ?? '').startsWith('application/cloudevents')) return undefined;
  const rest: Record<string, string> = { ...headers };
  const attributes: Record<string, unknown> = {};
  for (const [header, attribute] of BINARY_ATTRIBUTES) {
    const value = rest[header];
    if (!value) continue;
    attributes[attribute] = header === 'ce-time' ? isoTime(value) : value;
    delete rest[header];
  }
  for (const header in rest) {
    if (header.startsWith('ce-')) attributes[header.slice(3)] = rest[header];
  }
  const contentType = attributes.datacontenttype;
  let data: unknown = body;
  if (body) {
    if (contentType === undefined || typeof contentType !== 'string' || !JSON_DATA_TYPES.has(contentType)) return undefined;
    // As the SDK does: a body that does not open like JSON is taken as a JSON string.
    data = JSON.parse(/^[[|{|"]/.test(body) ? body : `"${body}"`);
  }
  if (contentType === 'application/json' && attributes.datacontentencoding === 'base64') delete attributes.datacontentencoding;
  return new CloudEvent<unknown>({ ...attributes, data } as ConstructorParameters<typeof CloudEvent<unknown>>[0], false);
}

/** The SDK's reading of ce-time: an unparseable time becomes now. */
function isoTime(value: string): string {
  const date = new Date(Date.parse(value));
  return (Number.isNaN(date.getTime()) ? new Date() : date).toISOString();
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
    event = (binaryEvent(headers, body) ?? HTTP.toEvent({ headers, body })) as CloudEvent<unknown>;
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
