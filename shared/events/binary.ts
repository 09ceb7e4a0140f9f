/**
 * Binary content mode (HTTP binding §3.1): attributes are `ce-` headers (percent-decoded),
 * `datacontenttype` is the Content-Type header as sent, and the body is the data. This is the
 * hot path — every ApiServerSource event arrives this way — so it is one pass over the headers,
 * a few regular-expression checks (header values that need no percent-decoding are taken as
 * they are), and one JSON.parse.
 */
import type { CloudEvent } from 'cloudevents';
import { checkAttributes, checkName } from './attributes.js';
import { BadEventError, quoted } from './bad-event.js';
import { binaryData, type Body } from './data.js';
import { receivedEvent } from './event.js';
import { decodeHeaderValue } from './header-value.js';
import type { MediaType } from './media-type.js';

/** The attributes the `ce-` headers (and Content-Type) carry; headers are lower-cased. */
export function binaryAttributes(headers: Readonly<Record<string, string>>): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const header in headers) {
    if (!header.startsWith('ce-')) continue;
    const name = header.slice(3);
    if (name === 'data' || name === 'datacontenttype') {
      throw new BadEventError(`invalid CloudEvent: ${quoted(header)} is not an attribute header (in binary mode the body is the data and Content-Type its datacontenttype)`);
    }
    checkName(name, 'binary'); // before the assignment: `__proto__` must never be one
    const value = decodeHeaderValue(headers[header]!);
    if (value === null) throw new BadEventError(`invalid CloudEvent: ${header} is not UTF-8 once percent-decoded`);
    attributes[name] = value;
  }
  const contentType = headers['content-type'];
  if (contentType !== undefined) attributes.datacontenttype = contentType;
  return attributes;
}

/**
 * `accepts` sees the checked attributes before the body is read: it may refuse the data's
 * type (415) without parsing a body the function cannot use.
 */
export function binaryEvent(
  headers: Readonly<Record<string, string>>,
  body: Body,
  type: MediaType | undefined,
  accepts: (type: MediaType | undefined, hasData: boolean) => void,
): CloudEvent<unknown> {
  const attributes = binaryAttributes(headers);
  checkAttributes(attributes, 'binary');
  accepts(type, body.length > 0);
  return receivedEvent(attributes, binaryData(body, type));
}
