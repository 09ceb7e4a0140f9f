/**
 * Event data from a request body, by its media type: JSON types are parsed, text is decoded by
 * its charset (UTF-8 when none is named), anything else stays bytes — data is handed on as it
 * was sent, never reinterpreted (no JSON parse of text, no text decoding of an image).
 */
import { BadEventError, quoted } from './bad-event.js';
import type { Bytes } from './event.js';
import { isJsonType, isTextType, type MediaType } from './media-type.js';

export type Body = string | Uint8Array;

const decoders = new Map<string, TextDecoder>();

function decoderFor(charset: string): TextDecoder {
  let decoder = decoders.get(charset);
  if (!decoder) {
    try {
      decoder = new TextDecoder(charset, { fatal: true });
    } catch {
      throw new BadEventError(`unsupported charset ${quoted(charset)}`, 415);
    }
    if (decoders.size < 32) decoders.set(charset, decoder);
  }
  return decoder;
}

/** The body as text in `charset` (UTF-8 by default). */
export function bodyText(body: Body, charset: string | undefined): string {
  if (typeof body === 'string') return body;
  if (charset === undefined || charset === 'utf-8' || charset === 'utf8') {
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  }
  try {
    return decoderFor(charset).decode(body);
  } catch (err) {
    if (err instanceof BadEventError) throw err;
    throw new BadEventError(`event data is not valid ${charset}`);
  }
}

export function bodyBytes(body: Body): Bytes {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

/** JSON text → its value, or a 400 naming where the JSON was expected. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadEventError(`malformed CloudEvent: ${what} is not valid JSON: ${(err as Error).message}`);
  }
}

/** A binary-mode body as data: undefined when empty; parsed, decoded or bytes by type. */
export function binaryData(body: Body, type: MediaType | undefined): unknown {
  if (body.length === 0) return undefined;
  if (type === undefined) return bodyBytes(body); // no Content-Type: octet-stream (RFC 9110 §8.3)
  if (isJsonType(type)) return parseJson(bodyText(body, type.charset), `the data (${type.essence})`);
  if (isTextType(type)) return bodyText(body, type.charset);
  return bodyBytes(body);
}
