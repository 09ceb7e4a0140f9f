/**
 * Structured content mode: the whole event is a JSON object in the body (JSON event format).
 * Members that are null are absent; `data` is any JSON value, `data_base64` is binary data —
 * one or the other, never both.
 */
import type { CloudEvent } from 'cloudevents';
import { checkAttributes, checkName } from './attributes.js';
import { BadEventError } from './bad-event.js';
import { bodyText, type Body } from './data.js';
import { receivedEvent } from './event.js';
import type { MediaType } from './media-type.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function envelopeOf(body: Body, type: MediaType): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText(body, type.charset));
  } catch (err) {
    if (err instanceof BadEventError) throw err;
    throw new BadEventError(`structured CloudEvent body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadEventError('structured CloudEvent body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function dataOf(data: unknown, base64: unknown): unknown {
  if (base64 === undefined) return data;
  if (data !== undefined) {
    throw new BadEventError('invalid CloudEvent: data and data_base64 are both present: an event carries its data in one of them');
  }
  if (typeof base64 !== 'string' || !BASE64.test(base64)) {
    throw new BadEventError('invalid CloudEvent: data_base64 must be a base64 string (RFC 4648)');
  }
  return Buffer.from(base64, 'base64');
}

export function structuredEvent(body: Body, type: MediaType): CloudEvent<unknown> {
  const attributes: Record<string, unknown> = {};
  let data: unknown;
  let base64: unknown;
  for (const [name, value] of Object.entries(envelopeOf(body, type))) {
    if (value === null) continue;
    if (name === 'data') data = value;
    else if (name === 'data_base64') base64 = value;
    else {
      checkName(name, 'structured'); // before the assignment: `__proto__` must never be one
      attributes[name] = value;
    }
  }
  checkAttributes(attributes, 'structured');
  return receivedEvent(attributes, dataOf(data, base64));
}
