/**
 * The CloudEvents 1.0 context attribute rules (spec §2–3), checked on every received event in
 * either mode: required attributes present and non-empty strings, specversion 1.0, optional
 * attributes absent or non-empty (and `time` RFC 3339, `datacontenttype` a media type,
 * `source` a URI-reference, `dataschema` a URI), extension names of lower-case letters and
 * digits with values of the CloudEvents type system. Values are checked, never rewritten.
 */
import { BadEventError, quoted } from './bad-event.js';
import { parseMediaType } from './media-type.js';

export type Mode = 'binary' | 'structured';

export const REQUIRED = ['specversion', 'id', 'source', 'type'] as const;
const OPTIONAL = ['datacontenttype', 'dataschema', 'subject', 'time'] as const;

const NAME = /^[a-z0-9]+$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;
// RFC 3986 characters (unreserved, reserved, percent-encoded); a scheme, when there is one.
const URI_CHARS = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** How an attribute is named in messages: `ce-time` in binary mode, `time` in structured. */
export function attributeLabel(name: string, mode: Mode): string {
  return mode === 'binary' ? (name === 'datacontenttype' ? 'Content-Type' : `ce-${name}`) : name;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** RFC 3339 `date-time`: full date, time with seconds, `Z` or a `±hh:mm` offset, all in range. */
export function isRfc3339(value: string): boolean {
  const m = RFC3339.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 60) return false;
  return m[7] === undefined || (Number(m[7]) <= 23 && Number(m[8]) <= 59);
}

/** RFC 3986 URI-reference: URI characters only; a leading `name:` must be a valid scheme. */
export function isUriReference(value: string): boolean {
  if (!URI_CHARS.test(value)) return false;
  const colon = value.indexOf(':');
  if (colon < 0) return true;
  const beforeDelimiter = value.search(/[/?#]/);
  return (beforeDelimiter >= 0 && beforeDelimiter < colon) || SCHEME.test(value);
}

/** An absolute URI: a URI-reference that starts with a scheme. */
export function isUri(value: string): boolean {
  return SCHEME.test(value) && URI_CHARS.test(value);
}

function refuse(name: string, mode: Mode, problem: string): never {
  throw new BadEventError(`invalid CloudEvent: ${attributeLabel(name, mode)} ${problem}`);
}

function checkRequired(attributes: Readonly<Record<string, unknown>>, mode: Mode): void {
  const missing = REQUIRED.filter((name) => attributes[name] === undefined || attributes[name] === null || attributes[name] === '');
  if (missing.length > 0) {
    const names = missing.map((name) => attributeLabel(name, mode)).join(', ');
    throw new BadEventError(`not a CloudEvent: missing required attribute(s) ${names} (${mode} mode)`);
  }
  for (const name of REQUIRED) {
    const value = attributes[name];
    if (typeof value !== 'string') refuse(name, mode, `must be a string, got ${Array.isArray(value) ? 'array' : typeof value} ${quoted(value)}`);
  }
  if (attributes.specversion !== '1.0') {
    throw new BadEventError(`unsupported CloudEvents specversion ${quoted(attributes.specversion)}: only 1.0 is accepted`);
  }
  if (!isUriReference(attributes.source as string)) refuse('source', mode, `${quoted(attributes.source)} is not a URI-reference (RFC 3986)`);
}

function checkOptional(attributes: Readonly<Record<string, unknown>>, mode: Mode): void {
  for (const name of OPTIONAL) {
    const value = attributes[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') refuse(name, mode, `must be a string, got ${Array.isArray(value) ? 'array' : typeof value} ${quoted(value)}`);
    if (value === '') refuse(name, mode, 'is empty: an optional attribute is either absent or a non-empty string');
  }
  const { time, datacontenttype, dataschema } = attributes as Record<string, string | undefined>;
  if (time !== undefined && !isRfc3339(time)) {
    refuse('time', mode, `${quoted(time)} is not an RFC 3339 timestamp (like 2018-04-05T17:31:00Z or 2018-04-05T18:31:00.123+01:00)`);
  }
  if (datacontenttype !== undefined && !parseMediaType(datacontenttype)) {
    refuse('datacontenttype', mode, `${quoted(datacontenttype)} is not an RFC 2046 media type (type/subtype, e.g. application/json)`);
  }
  if (dataschema !== undefined && !isUri(dataschema)) refuse('dataschema', mode, `${quoted(dataschema)} is not an absolute URI`);
}

/** Attribute names are lower-case ASCII letters and digits (spec §2.2). */
export function checkName(name: string, mode: Mode): void {
  if (!NAME.test(name)) {
    throw new BadEventError(
      `invalid CloudEvent: attribute name ${quoted(mode === 'binary' ? `ce-${name}` : name)} is not allowed: names are lower-case letters a-z and digits 0-9`,
    );
  }
}

/** Extension values: string, boolean or a 32-bit integer (binary mode only ever has strings). */
function checkExtension(name: string, value: unknown, mode: Mode): void {
  checkName(name, mode);
  if (typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number' && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) return;
  refuse(name, mode, `has a value outside the CloudEvents type system (string, boolean, 32-bit integer): ${quoted(value)}`);
}

const CORE = new Set<string>([...REQUIRED, ...OPTIONAL]);

/**
 * Checks every attribute. The caller has removed `data` / `data_base64` and null-valued members
 * (in the JSON format null means absent).
 */
export function checkAttributes(attributes: Readonly<Record<string, unknown>>, mode: Mode): void {
  checkRequired(attributes, mode);
  checkOptional(attributes, mode);
  for (const name in attributes) {
    if (!CORE.has(name)) checkExtension(name, attributes[name], mode);
  }
}
