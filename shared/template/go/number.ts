/**
 * Number literals as Go's template parser reads them (parse.newNumber on top of strconv's
 * ParseUint/ParseInt/ParseFloat with base 0): every base, underscores, hex floats, chars,
 * imaginary and complex constants, and the same overflow/syntax outcomes.
 */
import type { NumberInfo } from './ast.js';
import { SyntaxError_, unquoteChar, runes } from './strconv.js';

const MAX_U64 = (1n << 64n) - 1n;
const INT64_CUTOFF = 1n << 63n;

type Parsed<T> = { ok: true; v: T } | { ok: false; range: boolean };

function lower(c: string): string {
  return c.toLowerCase();
}

/** strconv's underscoreOK: underscores only between digits (or after a base prefix). */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'box'.includes(lower(s[1]!))) {
    i = 2;
    saw = '0';
    hex = lower(s[1]!) === 'x';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= '0' && c <= '9') || (hex && lower(c) >= 'a' && lower(c) <= 'f')) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

function digitVal(c: string): number {
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  const l = lower(c).charCodeAt(0);
  if (l >= 97 && l <= 122) return l - 97 + 10;
  return 99;
}

/** strconv.ParseUint(s, 0, 64). */
export function parseUint0(s: string): Parsed<bigint> {
  if (s === '') return { ok: false, range: false };
  const s0 = s;
  let base = 10;
  if (s[0] === '0') {
    if (s.length >= 3 && lower(s[1]!) === 'b') {
      base = 2;
      s = s.slice(2);
    } else if (s.length >= 3 && lower(s[1]!) === 'o') {
      base = 8;
      s = s.slice(2);
    } else if (s.length >= 3 && lower(s[1]!) === 'x') {
      base = 16;
      s = s.slice(2);
    } else {
      base = 8;
      s = s.slice(1);
    }
  }
  let n = 0n;
  let underscores = false;
  const b = BigInt(base);
  for (const c of s) {
    if (c === '_') {
      underscores = true;
      continue;
    }
    const d = digitVal(c);
    if (d >= base) return { ok: false, range: false };
    n = n * b + BigInt(d);
    if (n > MAX_U64) return { ok: false, range: true };
  }
  if (underscores && !underscoreOK(s0)) return { ok: false, range: false };
  return { ok: true, v: n };
}

/** strconv.ParseInt(s, 0, 64). */
export function parseInt0(s: string): Parsed<bigint> {
  if (s === '') return { ok: false, range: false };
  let neg = false;
  let body = s;
  if (s[0] === '+') body = s.slice(1);
  else if (s[0] === '-') {
    neg = true;
    body = s.slice(1);
  }
  const u = parseUint0(body);
  if (!u.ok) return u;
  if (!neg && u.v >= INT64_CUTOFF) return { ok: false, range: true };
  if (neg && u.v > INT64_CUTOFF) return { ok: false, range: true };
  return { ok: true, v: neg ? -u.v : u.v };
}

const decFloatRe = /^[+-]?(?:[0-9_]+\.?[0-9_]*|\.[0-9_]+)(?:[eE][+-]?[0-9_]+)?$/;
const hexFloatRe = /^([+-]?)0[xX]([0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?[0-9_]+)$/;

/** strconv.ParseFloat(s, 64) for the shapes the template lexer can produce. */
export function parseFloat64(s: string): Parsed<number> {
  if (s.includes('_') && !underscoreOK(s)) return { ok: false, range: false };
  let v: number;
  const hm = hexFloatRe.exec(s);
  if (hm) {
    const intPart = hm[2]!.replace(/_/g, '');
    const frac = (hm[3] ?? '').replace(/_/g, '');
    if (intPart === '' && frac === '') return { ok: false, range: false };
    const mant = BigInt('0x' + (intPart + frac || '0'));
    const exp = Number(hm[4]!.replace(/_/g, '')) - 4 * frac.length;
    v = bigTimesPow2(mant, exp);
    if (hm[1] === '-') v = -v;
  } else if (decFloatRe.test(s)) {
    const clean = s.replace(/_/g, '');
    if (!/[0-9]/.test(clean.replace(/[eE].*$/, ''))) return { ok: false, range: false };
    v = Number(clean);
    if (Number.isNaN(v)) return { ok: false, range: false };
  } else {
    return { ok: false, range: false };
  }
  if (!Number.isFinite(v)) return { ok: false, range: true };
  return { ok: true, v };
}

function bigTimesPow2(m: bigint, e: number): number {
  if (m === 0n) return 0;
  // Keep 64 significant bits so the final conversion rounds once, close enough to correct rounding.
  const bits = m.toString(2).length;
  if (bits > 64) {
    const shift = bits - 64;
    const sticky = (m & ((1n << BigInt(shift)) - 1n)) !== 0n ? 1n : 0n;
    m = (m >> BigInt(shift)) | sticky;
    e += shift;
  }
  return Number(m) * Math.pow(2, e);
}

function floatIsInt64(f: number): boolean {
  return Number.isInteger(f) && f >= -(2 ** 63) && f < 2 ** 63;
}
function floatIsUint64(f: number): boolean {
  return Number.isInteger(f) && f >= 0 && f < 2 ** 64;
}

/** fmt.Sscan into a complex128: "(re+imi)" or "re+imi". */
function scanComplex(text: string): [number, number] | null {
  const m = /^\(?([+-]?(?:0[xX][0-9a-fA-F_.]+[pP][+-]?[0-9_]+|[0-9_.]+(?:[eE][+-]?[0-9_]+)?))([+-](?:0[xX][0-9a-fA-F_.]+[pP][+-]?[0-9_]+|[0-9_.]+(?:[eE][+-]?[0-9_]+)?))i\)?$/.exec(
    text,
  );
  if (!m) return null;
  const re = parseFloat64(m[1]!);
  const im = parseFloat64(m[2]!);
  if (!re.ok || !im.ok) return null;
  return [re.v, im.v];
}

export class NumberError extends Error {}

const itemCharConstant = 'char';
const itemComplex = 'complex';

/** parse.newNumber: classify a numeric literal; throws NumberError with Go's message. */
export function newNumber(text: string, kind: 'char' | 'complex' | 'number'): NumberInfo {
  const n: NumberInfo = {
    isInt: false,
    isUint: false,
    isFloat: false,
    isComplex: false,
    int64: 0n,
    uint64: 0n,
    float64: 0,
    complex: [0, 0],
    text,
  };
  if (kind === itemCharConstant) {
    const cps = runes(text);
    let r: number;
    let rest: number;
    try {
      [r, , rest] = unquoteChar(cps, 1, cps[0]!);
    } catch (e) {
      if (e instanceof SyntaxError_) throw new NumberError('invalid syntax');
      throw e;
    }
    if (String.fromCodePoint(...cps.slice(rest)) !== "'") throw new NumberError(`malformed character constant: ${text}`);
    n.int64 = BigInt(r);
    n.isInt = true;
    n.uint64 = BigInt(r);
    n.isUint = true;
    n.float64 = r;
    n.isFloat = true;
    return n;
  }
  if (kind === itemComplex) {
    const c = scanComplex(text);
    if (!c) throw new NumberError('expected integer');
    n.isComplex = true;
    n.complex = c;
    simplifyComplex(n);
    return n;
  }
  if (text.length > 0 && text[text.length - 1] === 'i') {
    const f = parseFloat64(text.slice(0, -1));
    if (f.ok) {
      n.isComplex = true;
      n.complex = [0, f.v];
      simplifyComplex(n);
      return n;
    }
  }
  const u = parseUint0(text);
  if (u.ok) {
    n.isUint = true;
    n.uint64 = u.v;
  }
  const i = parseInt0(text);
  if (i.ok) {
    n.isInt = true;
    n.int64 = i.v;
    if (i.v === 0n) {
      n.isUint = true;
      n.uint64 = u.ok ? u.v : 0n;
    }
  }
  if (n.isInt) {
    n.isFloat = true;
    n.float64 = Number(n.int64);
  } else if (n.isUint) {
    n.isFloat = true;
    n.float64 = Number(n.uint64);
  } else {
    const f = parseFloat64(text);
    if (f.ok) {
      if (!/[.eEpP]/.test(text)) throw new NumberError(`integer overflow: ${goQuoteAscii(text)}`);
      n.isFloat = true;
      n.float64 = f.v;
      if (!n.isInt && floatIsInt64(f.v)) {
        n.isInt = true;
        n.int64 = BigInt(f.v);
      }
      if (!n.isUint && floatIsUint64(f.v)) {
        n.isUint = true;
        n.uint64 = BigInt(f.v);
      }
    }
  }
  if (!n.isInt && !n.isUint && !n.isFloat) throw new NumberError(`illegal number syntax: ${goQuoteAscii(text)}`);
  return n;
}

function simplifyComplex(n: NumberInfo): void {
  n.isFloat = n.complex[1] === 0;
  if (n.isFloat) {
    n.float64 = n.complex[0];
    n.isInt = floatIsInt64(n.float64);
    if (n.isInt) n.int64 = BigInt(n.float64);
    n.isUint = floatIsUint64(n.float64);
    if (n.isUint) n.uint64 = BigInt(n.float64);
  }
}

/** Number texts are ASCII, so %q is a plain double-quoting. */
function goQuoteAscii(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}
