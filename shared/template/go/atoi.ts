/**
 * strconv.ParseUint / ParseInt (base 0) and ParseFloat (64 bits) for the number shapes the
 * template lexer and fmt's scanner produce: every base, underscores, hex floats, and the same
 * syntax/range outcomes.
 */

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
