/**
 * Attribute values in `ce-` headers (HTTP binding §3.1.3.2): a sender percent-encodes the UTF-8
 * bytes of every character outside printable ASCII, and space, `"` and `%`; a receiver first
 * unquotes a double-quoted value (older senders), then percent-decodes once and reads UTF-8.
 * Without this a subject such as `/namespaces/default/tasks/任务` cannot be sent at all
 * (header values are bytes) and one with `%` is misread.
 */

const PLAIN = /^[\x21\x23\x24\x26-\x7e]*$/;
const NEEDS_DECODING = /[%"\x80-\xff]/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeHeaderValue(value: string): string {
  if (PLAIN.test(value)) return value;
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out += byte > 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
}

const HEX = /^[0-9A-Fa-f]{2}$/;

/**
 * The attribute value a header carries, or null when its bytes are not UTF-8. Node hands header
 * values over as latin1, one character per byte, so raw UTF-8 from a sender that did not encode
 * is read correctly too. A `%` not followed by two hex digits is kept as it is.
 */
export function decodeHeaderValue(value: string): string | null {
  if (!NEEDS_DECODING.test(value)) return value;
  const bytes = Buffer.from(unquote(value), 'latin1');
  const out = Buffer.alloc(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === 0x25 && i + 2 < bytes.length && HEX.test(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!))) {
      out[length++] = parseInt(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!), 16);
      i += 2;
    } else {
      out[length++] = byte;
    }
  }
  try {
    return utf8.decode(out.subarray(0, length));
  } catch {
    return null;
  }
}
