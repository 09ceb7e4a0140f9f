/**
 * Number literals as Go's template parser reads them (parse.newNumber on top of strconv's
 * ParseUint/ParseInt/ParseFloat with base 0): every base, underscores, hex floats, chars,
 * imaginary and complex constants, and the same overflow/syntax outcomes.
 */
import type { NumberInfo } from './ast.js';
import { parseFloat64, parseInt0, parseUint0 } from './atoi.js';
import { ScanError, sscanComplex } from './sscan.js';
import { SyntaxError_, unquoteChar, runes } from './strconv.js';

function floatIsInt64(f: number): boolean {
  return Number.isInteger(f) && f >= -(2 ** 63) && f < 2 ** 63;
}
function floatIsUint64(f: number): boolean {
  return Number.isInteger(f) && f >= 0 && f < 2 ** 64;
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
    try {
      n.complex = sscanComplex(text);
    } catch (e) {
      if (e instanceof ScanError) throw new NumberError(e.message);
      throw e;
    }
    n.isComplex = true;
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
