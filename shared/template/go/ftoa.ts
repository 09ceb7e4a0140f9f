/**
 * strconv.FormatFloat(v, fmt, prec, 64) for the formats fmt uses: shortest digits come from
 * JS's own shortest round-trip conversion; fixed precisions round the exact binary value half
 * to even, as Go does.
 */

interface Digits {
  d: string; // significant digits, no trailing zeros
  dp: number; // decimal point position
  neg: boolean;
}

function shortestDigits(v: number): Digits {
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  if (a === 0) return { d: '', dp: 0, neg };
  const s = a.toExponential();
  const [mant, exp] = s.split('e') as [string, string];
  const d = mant.replace('.', '').replace(/0+$/, '');
  return { d, dp: Number(exp) + 1, neg };
}

/** Exact decimal expansion of |v|: digits (no trailing zeros) and decimal point. */
function exactDigits(v: number): Digits {
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  if (a === 0) return { d: '', dp: 0, neg };
  const { mant, e } = mantissaExponent(a);
  let digits: string;
  let dp: number;
  if (e >= 0) {
    digits = (mant << BigInt(e)).toString();
    dp = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-e)).toString();
    dp = digits.length + e;
  }
  const trimmed = digits.replace(/0+$/, '');
  const lead = trimmed.length - trimmed.replace(/^0+/, '').length;
  return { d: trimmed.slice(lead), dp: dp - lead, neg };
}

/** Round to nd significant digits, half to even on the exact value. */
function roundDigits(x: Digits, nd: number): Digits {
  if (nd < 0) return { d: '', dp: x.dp, neg: x.neg };
  if (nd >= x.d.length) return x;
  const next = x.d.charCodeAt(nd) - 48;
  let up: boolean;
  if (next > 5) up = true;
  else if (next < 5) up = false;
  else if (nd + 1 < x.d.length) up = true;
  else up = nd > 0 && (x.d.charCodeAt(nd - 1) - 48) % 2 === 1;
  let d = x.d.slice(0, nd);
  let dp = x.dp;
  if (up) {
    let i = d.length - 1;
    while (i >= 0 && d[i] === '9') i--;
    if (i < 0) {
      d = '1';
      dp++;
    } else {
      d = d.slice(0, i) + String.fromCharCode(d.charCodeAt(i) + 1);
    }
  }
  return { d: d.replace(/0+$/, ''), dp, neg: x.neg };
}

function fmtE(x: Digits, prec: number, ch: string): string {
  let s = x.neg ? '-' : '';
  s += x.d.length === 0 ? '0' : x.d[0];
  if (prec > 0) {
    s += '.';
    let i = 1;
    const m = Math.min(x.d.length, prec + 1);
    if (i < m) {
      s += x.d.slice(i, m);
      i = m;
    }
    for (; i <= prec; i++) s += '0';
  }
  s += ch;
  let exp = x.dp - 1;
  if (x.d.length === 0) exp = 0;
  if (exp < 0) {
    s += '-';
    exp = -exp;
  } else s += '+';
  s += exp < 10 ? '0' + exp : String(exp);
  return s;
}

function fmtF(x: Digits, prec: number): string {
  let s = x.neg ? '-' : '';
  if (x.dp > 0) {
    const m = Math.min(x.d.length, x.dp);
    s += x.d.slice(0, m);
    for (let k = m; k < x.dp; k++) s += '0';
  } else s += '0';
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) {
      const j = x.dp + i - 1;
      s += j >= 0 && j < x.d.length ? x.d[j] : '0';
    }
  }
  return s;
}

function fmtB(v: number): string {
  const neg = v < 0 || Object.is(v, -0);
  const { mant, e } = mantissaExponent(Math.abs(v));
  return (neg ? '-' : '') + mant.toString() + 'p' + (e >= 0 ? '+' : '-') + Math.abs(e);
}

/** %x / %X: hexadecimal mantissa and binary exponent, Go style (0x1.8p+01). */
function fmtX(v: number, prec: number, upper: boolean): string {
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  let mant = 0n;
  let exp = 0;
  if (a !== 0) {
    ({ mant, e: exp } = mantissaExponent(a));
    // Normalise so the leading 1 is at bit 60 (Go shifts mantissa left to bit 60).
    while (mant < 1n << 60n) {
      mant <<= 1n;
      exp--;
    }
    exp += 60;
  }
  // mant has its leading bit at position 60; fraction is the low 60 bits (15 hex digits).
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(4 * (15 - prec));
    const extra = mant & ((1n << shift) - 1n);
    mant >>= shift;
    const half = 1n << (shift - 1n);
    if (extra > half || (extra === half && (mant & 1n) === 1n)) mant++;
    mant <<= shift;
    if (mant >> 61n !== 0n) {
      mant >>= 1n;
      exp++;
    }
  }
  let hex = (mant & ((1n << 60n) - 1n)).toString(16).padStart(15, '0');
  if (prec < 0) hex = hex.replace(/0+$/, '');
  else hex = hex.slice(0, prec).padEnd(prec, '0');
  const lead = a === 0 ? '0' : (mant >> 60n).toString();
  let s = (neg ? '-' : '') + '0x' + lead + (hex.length > 0 ? '.' + hex : '') + 'p';
  if (exp >= 0) s += '+';
  else {
    s += '-';
    exp = -exp;
  }
  s += exp < 10 ? '0' + exp : String(exp);
  return upper ? s.toUpperCase() : s;
}

export function formatFloat(v: number, fmt: string, prec: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (fmt === 'b') return fmtB(v);
  if (fmt === 'x' || fmt === 'X') return fmtX(v, prec, fmt === 'X');
  const shortest = prec < 0;
  let digs: Digits;
  if (shortest) {
    digs = shortestDigits(v);
    switch (fmt) {
      case 'e':
      case 'E':
        prec = Math.max(digs.d.length - 1, 0);
        break;
      case 'f':
      case 'F':
        prec = Math.max(digs.d.length - digs.dp, 0);
        break;
      case 'g':
      case 'G':
        prec = digs.d.length;
        break;
    }
  } else {
    const exact = exactDigits(v);
    switch (fmt) {
      case 'e':
      case 'E':
        digs = roundDigits(exact, prec + 1);
        break;
      case 'f':
      case 'F':
        digs = roundDigits(exact, exact.dp + prec);
        break;
      default:
        if (prec === 0) prec = 1;
        digs = roundDigits(exact, prec);
    }
    if (digs.d.length === 0 && exact.d.length !== 0 && (fmt === 'f' || fmt === 'F')) {
      digs = { d: '', dp: 0, neg: exact.neg };
    }
  }
  switch (fmt) {
    case 'e':
    case 'E':
      return fmtE(digs, prec, fmt);
    case 'f':
    case 'F':
      return fmtF(digs, prec);
    default: {
      let eprec = prec;
      if (eprec > digs.d.length && digs.d.length >= digs.dp) eprec = digs.d.length;
      if (shortest) eprec = 6;
      const exp = digs.dp - 1;
      if (exp < -4 || exp >= eprec) {
        if (prec > digs.d.length) prec = digs.d.length;
        return fmtE(digs, prec - 1, fmt === 'g' ? 'e' : 'E');
      }
      if (prec > digs.dp) prec = digs.d.length;
      return fmtF(digs, Math.max(prec - digs.dp, 0));
    }
  }
}

/** A finite non-negative float64 as mant × 2^e with an integer mantissa (Go's float bits). */
function mantissaExponent(a: number): { mant: bigint; e: number } {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, a);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  const mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  // Denormals have no implicit leading bit.
  return bexp === 0 ? { mant, e: -1074 } : { mant: mant | (1n << 52n), e: bexp - 1075 };
}
