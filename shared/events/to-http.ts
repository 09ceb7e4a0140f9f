/**
 * An event as a binary-mode HTTP message (HTTP binding §3.1): every attribute a `ce-` header,
 * percent-encoded, as it is (the SDK's `HTTP.binary` rewrites `time` and cannot send a value
 * outside latin1 — a Task named `任务` made the delivery throw); `datacontenttype` is the
 * Content-Type; JSON data serialised, text as it is, bytes as they are.
 */
import type { CloudEvent } from 'cloudevents';
import { encodeHeaderValue } from './header-value.js';
import { isJsonType, parseMediaType } from './media-type.js';

export interface HttpMessage {
  headers: Record<string, string>;
  body: string | Uint8Array<ArrayBuffer>;
}

/** Members of an SDK CloudEvent that are not attributes (or have no value). */
const NOT_ATTRIBUTES = new Set(['data', 'data_base64', 'datacontenttype']);

function headerText(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  return typeof value === 'string' ? value : String(value);
}

function bodyOf(data: unknown, contentType: string | undefined): HttpMessage['body'] {
  if (data === undefined) return '';
  if (data instanceof Uint8Array) return Uint8Array.from(data);
  const type = contentType === undefined ? null : parseMediaType(contentType);
  if (typeof data === 'string' && type && !isJsonType(type)) return data;
  return JSON.stringify(data);
}

export function toBinaryMessage(event: CloudEvent<unknown>): HttpMessage {
  const headers: Record<string, string> = {};
  const attributes = event as unknown as Record<string, unknown>;
  for (const name of Object.keys(attributes)) {
    const value = attributes[name];
    if (value === undefined || value === null || NOT_ATTRIBUTES.has(name)) continue;
    headers[`ce-${name}`] = encodeHeaderValue(headerText(value));
  }
  const contentType = event.datacontenttype ?? (event.data === undefined || event.data instanceof Uint8Array ? undefined : 'application/json');
  if (contentType !== undefined) headers['content-type'] = contentType;
  return { headers, body: bodyOf(event.data, contentType) };
}
