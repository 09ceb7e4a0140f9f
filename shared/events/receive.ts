/**
 * Turns an HTTP request into a CloudEvent, conforming to CloudEvents 1.0 (the JSON event format
 * and the HTTP binding) in both content modes: what the spec forbids is refused with a 400
 * naming the attribute, and what was sent is handed on unchanged — no invented or normalised
 * `time`, no data reinterpreted. Content types are media types with parameters
 * (`application/cloudevents+json; charset=UTF-8`), matched case-insensitively.
 *
 * The SDK's `HTTP.toEvent` is not used for this: it invents `time` and `id`, replaces an
 * unreadable `time` with now, looks content types up by exact string and turns `data_base64`
 * into a Uint32Array; it also does not validate. Handlers still get an SDK `CloudEvent`
 * (event.ts).
 */
import type { CloudEvent } from 'cloudevents';
import { BadEventError, quoted } from './bad-event.js';
import { binaryEvent } from './binary.js';
import type { Body } from './data.js';
import { isJsonType, parseMediaType, type MediaType } from './media-type.js';
import { structuredEvent } from './structured.js';

export { BadEventError } from './bad-event.js';
export type { Body } from './data.js';

export type RawHeaders = Record<string, string | string[] | undefined>;

export interface ReceiveOptions {
  /**
   * Take data of any media type (text, bytes). Without it only JSON data is taken and other
   * data is refused with 415: the functions act on JSON objects only.
   */
  anyData?: boolean;
}

const STRUCTURED = 'application/cloudevents+json';
const BATCH = 'application/cloudevents-batch+json';

function lowerCaseHeaders(headers: RawHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in headers) {
    const value = headers[key];
    if (value !== undefined) out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function unsupportedData(contentType: string | undefined): BadEventError {
  return new BadEventError(`unsupported content type ${quoted(contentType ?? '')}: event data must be application/json`, 415);
}

/** JSON-only receivers: refuse (415) data that is not JSON, before a body is parsed. */
function jsonOnly(contentType: string | undefined) {
  return (type: MediaType | undefined, hasData: boolean): void => {
    if (hasData && !(type && isJsonType(type))) throw unsupportedData(contentType);
  };
}

const anything = (): void => {};

function checkStructuredData(event: CloudEvent<unknown>): void {
  if (event.data === undefined) return;
  const type = event.datacontenttype === undefined ? undefined : parseMediaType(event.datacontenttype);
  const json = event.datacontenttype === undefined || (type !== null && type !== undefined && isJsonType(type));
  if (!json || event.data instanceof Uint8Array) throw unsupportedData(event.datacontenttype ?? 'data_base64');
}

/** Parse and check one CloudEvent from an HTTP request's headers and raw body. */
export function receiveCloudEvent(rawHeaders: RawHeaders, body: Body, options: ReceiveOptions = {}): CloudEvent<unknown> {
  const headers = lowerCaseHeaders(rawHeaders);
  const contentType = headers['content-type'];
  const type = contentType === undefined ? undefined : (parseMediaType(contentType) ?? undefined);
  if (type?.essence === BATCH) {
    throw new BadEventError('batched CloudEvents are not supported: send one event per request', 415);
  }
  if (type?.essence.startsWith('application/cloudevents')) {
    if (type.essence !== STRUCTURED) {
      throw new BadEventError(`unsupported event format ${quoted(contentType)}: structured mode takes ${STRUCTURED}`, 415);
    }
    const event = structuredEvent(body, type);
    if (!options.anyData) checkStructuredData(event);
    return event;
  }
  return binaryEvent(headers, body, type, options.anyData ? anything : jsonOnly(contentType));
}

/** The event's data as a JSON object, or a BadEventError naming what was expected. */
export function objectData(event: CloudEvent<unknown>, what: string): Record<string, unknown> {
  const data = event.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data) || data instanceof Uint8Array) {
    throw new BadEventError(`event ${event.type} must carry ${what} as a JSON object in its data`);
  }
  return data as Record<string, unknown>;
}
