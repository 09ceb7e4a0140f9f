/**
 * Media types (RFC 2045/2046 syntax: `type/subtype *(; name=value)`), as `datacontenttype` and
 * Content-Type carry them. Names compare case-insensitively; parameters such as
 * `charset=UTF-8` are allowed everywhere, and the charset decides how text data is decoded.
 */

export interface MediaType {
  /** `type/subtype`, lower-cased. */
  essence: string;
  /** The `charset` parameter, lower-cased, when given. */
  charset?: string;
}

const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const PARAMETER = `\\s*;\\s*(${TOKEN})=(${TOKEN}|"(?:[^"\\\\]|\\\\.)*")`;
const MEDIA_TYPE = new RegExp(`^\\s*(${TOKEN}/${TOKEN})((?:${PARAMETER})*)\\s*$`);
const PARAMETERS = new RegExp(PARAMETER, 'g');

/** Parsed by value: a function sees the same few content types over and over. */
const cache = new Map<string, MediaType | null>();
const CACHE_LIMIT = 64;

function parse(value: string): MediaType | null {
  const match = MEDIA_TYPE.exec(value);
  if (!match) return null;
  const type: MediaType = { essence: match[1]!.toLowerCase() };
  for (const [, name, raw] of match[2]!.matchAll(PARAMETERS)) {
    if (name!.toLowerCase() !== 'charset') continue;
    const unquoted = raw!.startsWith('"') ? raw!.slice(1, -1).replace(/\\(.)/g, '$1') : raw!;
    type.charset = unquoted.toLowerCase();
  }
  return type;
}

/** The media type, or null when the value is not one (e.g. `xyz`, `text/`, `a/b; c`). */
export function parseMediaType(value: string): MediaType | null {
  let type = cache.get(value);
  if (type === undefined) {
    type = parse(value);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(value, type);
  }
  return type;
}

/** JSON data: `application/json`, `text/json`, or any `+json` structured syntax suffix. */
export function isJsonType(type: MediaType): boolean {
  return type.essence === 'application/json' || type.essence === 'text/json' || type.essence.endsWith('+json');
}

/** Data that is text (decoded to a string): `text/*`, XML, or any type naming a charset. */
export function isTextType(type: MediaType): boolean {
  return (
    type.charset !== undefined ||
    type.essence.startsWith('text/') ||
    type.essence === 'application/xml' ||
    type.essence.endsWith('+xml')
  );
}
