/**
 * Go string helpers. Go strings are byte sequences, usually UTF-8; JS strings are UTF-16. A Go
 * string is held as a JS string in which valid UTF-8 is decoded as usual and every byte that is
 * not part of valid UTF-8 is kept as one "escaped byte" code unit U+DC80..U+DCFF (a lone low
 * surrogate, as Python's surrogateescape does). So `slice "é" 0 1` keeps its one byte, and
 * len/index/slice/%q/%x see exactly Go's bytes; outputs turn escaped bytes back into bytes.
 */

const encoder = new TextEncoder();

/** Escaped byte b (0x80..0xFF) is the code unit 0xDC00 + b. */
const ESC = 0xdc00;
/** runes() reports an escaped byte b as ESC_RUNE + b: not a rune, a raw byte. */
export const ESC_RUNE = 0x110000;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATE_G = new RegExp(LONE_SURROGATE.source, 'g');

// String.prototype.isWellFormed (native since Node 20) answers "any lone surrogate?" fastest.
const nativeWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;
const isWellFormed: (s: string) => boolean = nativeWellFormed
  ? (s) => nativeWellFormed.call(s)
  : (s) => !LONE_SURROGATE.test(s);

/** True when the string holds escaped bytes (or other lone surrogates). */
export function hasEscapes(s: string): boolean {
  return !isWellFormed(s);
}

/** Strings from outside (data, template text) as Go's JSON decoding leaves them: lone surrogates become U+FFFD. */
export function wellFormed(s: string): string {
  return isWellFormed(s) ? s : s.replace(LONE_SURROGATE_G, '\uFFFD');
}

function isEscapedByte(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c < 0xdc80 || c > 0xdcff) return false;
  if (i === 0) return true;
  const p = s.charCodeAt(i - 1);
  return !(p >= 0xd800 && p <= 0xdbff);
}

/** Number of bytes of a Go string. */
export function utf8Len(s: string): number {
  if (isWellFormed(s)) return Buffer.byteLength(s, 'utf8');
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else if (c >= 0xdc80 && c <= 0xdcff) n += 1;
    else n += 3;
  }
  return n;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** True when every code unit is ASCII (byte index == char index). A native scan: fast on ropes too. */
export function isAscii(s: string): boolean {
  return !NON_ASCII.test(s);
}

/** The bytes of a Go string. */
export function toBytes(s: string): Uint8Array {
  if (!hasEscapes(s)) return encoder.encode(s);
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (isEscapedByte(s, i)) {
      out.push(s.charCodeAt(i) - ESC);
      continue;
    }
    const cp = s.codePointAt(i)!;
    if (cp > 0xffff) i++;
    for (const b of encoder.encode(String.fromCodePoint(cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp))) out.push(b);
  }
  return Uint8Array.from(out);
}

/** A Go string from bytes: valid UTF-8 decoded, every other byte escaped. */
export function fromBytes(b: Uint8Array, start = 0, end = b.length): string {
  let out = '';
  let i = start;
  while (i < end) {
    const c = b[i]!;
    if (c < 0x80) {
      out += String.fromCharCode(c);
      i++;
      continue;
    }
    const [r, size] = decodeRune(b, i, end);
    if (r === RUNE_ERROR && size === 1) out += String.fromCharCode(ESC + c);
    else out += String.fromCodePoint(r);
    i += size;
  }
  return out;
}

/** Re-join escaped bytes that together form valid UTF-8 (Go concatenates bytes). */
export function canonical(s: string): string {
  return hasEscapes(s) ? fromBytes(toBytes(s)) : s;
}

/** Bytes as text for the world outside Go: like encoding/json, each invalid byte is U+FFFD. */
export function displayString(s: string): string {
  if (!hasEscapes(s)) return s;
  return canonical(s).replace(LONE_SURROGATE_G, '\uFFFD');
}

export const RUNE_ERROR = 0xfffd;

/** Go's utf8.DecodeRune: [rune, size]; invalid → [0xFFFD, 1]. */
export function decodeRune(b: Uint8Array, i: number, end = b.length): [number, number] {
  const c0 = b[i]!;
  if (c0 < 0x80) return [c0, 1];
  let need: number;
  if (c0 >= 0xc2 && c0 <= 0xdf) need = 1;
  else if (c0 >= 0xe0 && c0 <= 0xef) need = 2;
  else if (c0 >= 0xf0 && c0 <= 0xf4) need = 3;
  else return [RUNE_ERROR, 1];
  if (i + need > end - 1) {
    // Truncated sequence: Go reports the first byte as invalid only if the
    // bytes present are not a valid prefix; either way the lead byte is a RuneError of width 1.
    return [RUNE_ERROR, 1];
  }
  let lo = 0x80;
  let hi = 0xbf;
  if (c0 === 0xe0) lo = 0xa0;
  else if (c0 === 0xed) hi = 0x9f;
  else if (c0 === 0xf0) lo = 0x90;
  else if (c0 === 0xf4) hi = 0x8f;
  const c1 = b[i + 1]!;
  if (c1 < lo || c1 > hi) return [RUNE_ERROR, 1];
  if (need === 1) return [((c0 & 0x1f) << 6) | (c1 & 0x3f), 2];
  const c2 = b[i + 2]!;
  if (c2 < 0x80 || c2 > 0xbf) return [RUNE_ERROR, 1];
  if (need === 2) return [((c0 & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f), 3];
  const c3 = b[i + 3]!;
  if (c3 < 0x80 || c3 > 0xbf) return [RUNE_ERROR, 1];
  return [((c0 & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f), 4];
}

/** Runes of a Go string, as `range` sees them; an escaped byte b is reported as ESC_RUNE + b. */
export function runes(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out.push(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
        i++;
        continue;
      }
    }
    if (c >= 0xdc80 && c <= 0xdcff) out.push(ESC_RUNE + (c - ESC));
    else out.push(c >= 0xd800 && c <= 0xdfff ? RUNE_ERROR : c);
  }
  return out;
}

/** The text of a rune list from runes() (escaped bytes stay escaped). */
export function runesToString(r: number[]): string {
  let out = '';
  for (const c of r) out += c >= ESC_RUNE ? String.fromCharCode(ESC + (c - ESC_RUNE)) : String.fromCodePoint(c);
  return out;
}

const printRe = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const graphicExtraRe = /^\p{Zs}$/u;

/** isPrint of the BMP, filled in as asked: 0 not known yet, 1 printable, 2 not. */
const bmpPrint = new Uint8Array(0x10000);

/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isPrint(r: number): boolean {
  if (r < 0x80) return r >= 0x20 && r < 0x7f;
  if (r >= 0xd800 && r <= 0xdfff) return false;
  if (r > 0xffff) return printRe.test(String.fromCodePoint(r));
  let known = bmpPrint[r]!;
  if (known === 0) known = bmpPrint[r] = printRe.test(String.fromCharCode(r)) ? 1 : 2;
  return known === 1;
}

/** unicode.IsGraphic: IsPrint plus Unicode space separators. */
export function isGraphic(r: number): boolean {
  return isPrint(r) || (r >= 0x80 && graphicExtraRe.test(String.fromCodePoint(r)));
}

const hexDigits = '0123456789abcdef';

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function appendEscapedRune(r: number, quote: number, asciiOnly: boolean, graphicOnly: boolean): string {
  if (r >= ESC_RUNE) {
    const b = r - ESC_RUNE;
    return '\\x' + hexDigits[b >> 4] + hexDigits[b & 0xf];
  }
  if (r === quote || r === 0x5c) return '\\' + String.fromCodePoint(r);
  if (asciiOnly) {
    if (r < 0x80 && isPrint(r)) return String.fromCodePoint(r);
  } else if (isPrint(r) || (graphicOnly && isGraphic(r))) {
    return String.fromCodePoint(r);
  }
  switch (r) {
    case 7:
      return '\\a';
    case 8:
      return '\\b';
    case 12:
      return '\\f';
    case 10:
      return '\\n';
    case 13:
      return '\\r';
    case 9:
      return '\\t';
    case 11:
      return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return '\\x' + hexDigits[r >> 4] + hexDigits[r & 0xf];
  if (r > 0x10ffff) r = RUNE_ERROR;
  if (r < 0x10000) return '\\u' + hex(r, 4);
  return '\\U' + hex(r, 8);
}

/** strconv.Quote / QuoteToASCII / QuoteToGraphic over the string's UTF-8 bytes. */
export function quote(s: string, asciiOnly = false, graphicOnly = false): string {
  return quoteWith(s, 0x22, asciiOnly, graphicOnly);
}

/** ASCII a quoted string cannot hold as itself, per quote character. */
const ASCII_TO_ESCAPE: Record<number, RegExp> = { 0x22: /["\\\x00-\x1f\x7f]/, 0x27: /['\\\x00-\x1f\x7f]/ };
const utf16 = new TextDecoder('utf-16le');

function quoteWith(s: string, q: number, asciiOnly: boolean, graphicOnly: boolean): string {
  const mark = String.fromCharCode(q);
  if (isAscii(s)) {
    // Printable ASCII other than the quote and backslash stands for itself.
    if (!ASCII_TO_ESCAPE[q]!.test(s)) return mark + s + mark;
    // Written into one buffer: appending escape by escape made a rope of millions of pieces for
    // a string of quotes (a template doubling one with %q), and collecting it took most of the
    // time; a regex replace is 7x slower than this when nearly every character is escaped.
    const out = new Uint16Array(s.length * 4 + 2); // at most \xNN per character
    let n = 0;
    out[n++] = q;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x20 && c < 0x7f) {
        if (c === q || c === 0x5c) out[n++] = 0x5c;
        out[n++] = c;
        continue;
      }
      const escaped = appendEscapedRune(c, q, asciiOnly, graphicOnly);
      for (let j = 0; j < escaped.length; j++) out[n++] = escaped.charCodeAt(j);
    }
    out[n++] = q;
    return utf16.decode(out.subarray(0, n));
  }
  const parts: string[] = [mark];
  for (const r of runes(s)) parts.push(appendEscapedRune(r, q, asciiOnly, graphicOnly));
  parts.push(mark);
  return parts.join('');
}

/** strconv.QuoteRune / QuoteRuneToASCII. */
export function quoteRune(r: number, asciiOnly = false, graphicOnly = false): string {
  if (r < 0 || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = RUNE_ERROR;
  return "'" + appendEscapedRune(r, 0x27, asciiOnly, graphicOnly) + "'";
}

/** strconv.CanBackquote. */
export function canBackquote(s: string): boolean {
  for (const r of runes(s)) {
    if (r >= ESC_RUNE) return false;
    if (r < 0x80) {
      if ((r < 0x20 && r !== 9) || r === 0x60 || r === 0x7f) return false;
    } else if (r === 0xfeff) return false;
  }
  return true;
}

export class SyntaxError_ extends Error {
  constructor() {
    super('invalid syntax');
  }
}

function unhex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/**
 * strconv.UnquoteChar over code points: returns [value, isByte, rest index].
 * `isByte` marks \x and octal escapes, whose value is a raw byte rather than a rune.
 */
export function unquoteChar(cps: number[], i: number, q: number): [number, boolean, number] {
  const c = cps[i];
  if (c === undefined) throw new SyntaxError_();
  if (c === q && (q === 0x27 || q === 0x22)) throw new SyntaxError_();
  if (c !== 0x5c) return [c, false, i + 1];
  const e = cps[i + 1];
  if (e === undefined) throw new SyntaxError_();
  i += 2;
  switch (e) {
    case 0x61:
      return [7, false, i];
    case 0x62:
      return [8, false, i];
    case 0x66:
      return [12, false, i];
    case 0x6e:
      return [10, false, i];
    case 0x72:
      return [13, false, i];
    case 0x74:
      return [9, false, i];
    case 0x76:
      return [11, false, i];
    case 0x78:
    case 0x75:
    case 0x55: {
      const n = e === 0x78 ? 2 : e === 0x75 ? 4 : 8;
      let v = 0;
      for (let j = 0; j < n; j++) {
        const d = cps[i + j] === undefined ? -1 : unhex(cps[i + j]!);
        if (d < 0) throw new SyntaxError_();
        v = v * 16 + d;
      }
      i += n;
      if (e === 0x78) return [v, true, i];
      if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new SyntaxError_();
      return [v, false, i];
    }
    case 0x30:
    case 0x31:
    case 0x32:
    case 0x33:
    case 0x34:
    case 0x35:
    case 0x36:
    case 0x37: {
      let v = e - 0x30;
      for (let j = 0; j < 2; j++) {
        const d = cps[i + j];
        if (d === undefined || d < 0x30 || d > 0x37) throw new SyntaxError_();
        v = v * 8 + (d - 0x30);
      }
      i += 2;
      if (v > 255) throw new SyntaxError_();
      return [v, true, i];
    }
    case 0x5c:
      return [0x5c, false, i];
    case 0x27:
    case 0x22:
      if (e !== q) throw new SyntaxError_();
      return [e, false, i];
    default:
      throw new SyntaxError_();
  }
}

/** strconv.Unquote for "...", `...` and '...' literals as the template lexer delivers them. */
export function unquote(s: string): string {
  const cps = runes(s);
  if (cps.length < 2) throw new SyntaxError_();
  const q = cps[0]!;
  if (q !== cps[cps.length - 1]) throw new SyntaxError_();
  const body = cps.slice(1, -1);
  if (q === 0x60) {
    if (body.includes(0x60)) throw new SyntaxError_();
    return String.fromCodePoint(...body.filter((c) => c !== 13));
  }
  if (q !== 0x22 && q !== 0x27) throw new SyntaxError_();
  if (body.includes(10)) throw new SyntaxError_();
  const bytes: number[] = [];
  let i = 0;
  let count = 0;
  while (i < body.length) {
    const [v, isByte, next] = unquoteChar(body, i, q);
    i = next;
    count++;
    if (isByte || v < 0x80) bytes.push(v);
    else for (const b of toBytes(String.fromCodePoint(v))) bytes.push(b);
  }
  if (q === 0x27 && count !== 1) throw new SyntaxError_();
  return fromBytes(Uint8Array.from(bytes));
}
