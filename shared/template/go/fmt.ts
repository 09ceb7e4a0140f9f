/**
 * Go's fmt package (Sprint, Sprintln, Sprintf) over the template value model: verbs, flags,
 * width/precision (also from `*` and `[n]` indexes), Go-syntax %#v, %T, and the error forms
 * (%!d(string=x), %!s(MISSING), %!(EXTRA ...), %!(NOVERB), %!(BADWIDTH), %!v(BADINDEX)).
 */
import type { Budget } from '../budget.js';
import { valueLimitError } from '../limit-errors.js';
import { formatFloat } from './ftoa.js';
import { canBackquote, canonical, isPrint, quote, quoteRune, runes, runesToString, toBytes } from './strconv.js';
import { Concrete, GoComplex, GoMap, GoSlice, GoUint8, GoValue, Iface, installFormatter, typeName } from './values.js';

const ldigits = '0123456789abcdefx';
const udigits = '0123456789ABCDEFX';
const MAX_RUNE = 0x10ffff;
const U64 = (1n << 64n) - 1n;

/** An argument as fmt sees it: `null` is a nil interface{} argument. */
export type FmtArg = Concrete | null;

/** What a Go `...any` parameter receives: the concrete value, nil for invalid or nil interfaces. */
export function toFmtArg(v: GoValue): FmtArg {
  if (v === undefined) return null;
  if (v instanceof Iface) return v.v;
  return v;
}

class Printer {
  buf = '';
  /** Largest buf a builtin may build (the value limit); checked as it grows. */
  private readonly max: number;

  constructor(private readonly budget: Budget | null = null) {
    this.max = budget === null ? Infinity : budget.limits.maxValueBytes;
  }

  /** buf's length when grew() last reported it to the budget. */
  private reported = 0;

  /**
   * After each argument, element or verb: stop as soon as the output passes the value limit,
   * and report what was built (printing a large map is a long loop; the clock must see it).
   */
  grew(): void {
    if (this.budget === null) return;
    if (this.buf.length > this.max) throw valueLimitError(this.budget.limits);
    this.budget.spend(this.buf.length - this.reported);
    this.reported = this.buf.length;
  }

  /** About to append `n` units (padding, hex dumps): refuse before building past the limit. */
  room(n: number): void {
    if (this.buf.length + n > this.max) throw valueLimitError(this.budget!.limits);
  }
  // fmt flags
  wid = 0;
  prec = 0;
  widPresent = false;
  precPresent = false;
  minus = false;
  plus = false;
  sharp = false;
  space = false;
  zero = false;
  plusV = false;
  sharpV = false;
  // print state
  arg: FmtArg | undefined = undefined;
  value: GoValue | typeof NO_VALUE = NO_VALUE;
  reordered = false;
  goodArgNum = true;

  clearflags(): void {
    this.wid = 0;
    this.prec = 0;
    this.widPresent = false;
    this.precPresent = false;
    this.minus = false;
    this.plus = false;
    this.sharp = false;
    this.space = false;
    this.zero = false;
    this.plusV = false;
    this.sharpV = false;
  }

  writePadding(n: number): void {
    if (n <= 0) return;
    this.room(n);
    this.buf += (this.zero ? '0' : ' ').repeat(n);
  }

  /** pad with width counted in runes. */
  pad(s: string): void {
    if (!this.widPresent || this.wid === 0) {
      this.buf += s;
      return;
    }
    const width = this.wid - runeCount(s);
    if (!this.minus) {
      this.writePadding(width);
      this.buf += s;
    } else {
      this.buf += s;
      this.writePadding(width);
    }
  }
  padString(s: string): void {
    this.pad(s);
  }

  truncateString(s: string): string {
    if (this.precPresent) {
      const r = runes(s);
      if (r.length > this.prec) return runesToString(r.slice(0, this.prec));
    }
    return s;
  }

  fmtS(s: string): void {
    this.padString(this.truncateString(s));
  }

  fmtSx(s: string, digits: string): void {
    let b = toBytes(s);
    let length = b.length;
    if (this.precPresent && this.prec < length) length = this.prec;
    let width = 2 * length;
    if (width > 0) {
      if (this.space) {
        if (this.sharp) width *= 2;
        width += length - 1;
      } else if (this.sharp) width += 2;
    } else {
      if (this.widPresent) this.writePadding(this.wid);
      return;
    }
    if (this.widPresent && this.wid > width && !this.minus) this.writePadding(this.wid - width);
    this.room(width);
    let out = '';
    if (this.sharp) out += '0' + digits[16];
    for (let i = 0; i < length; i++) {
      if (this.space && i > 0) {
        out += ' ';
        if (this.sharp) out += '0' + digits[16];
      }
      const c = b[i]!;
      out += digits[c >> 4]! + digits[c & 0xf]!;
    }
    this.buf += out;
    if (this.widPresent && this.wid > width && this.minus) this.writePadding(this.wid - width);
    b = new Uint8Array(0);
  }

  fmtQ(s: string): void {
    s = this.truncateString(s);
    if (this.sharp && canBackquote(s)) {
      this.padString('`' + s + '`');
      return;
    }
    this.pad(quote(s, this.plus));
  }

  fmtBoolean(v: boolean): void {
    this.padString(v ? 'true' : 'false');
  }

  /** fmt.fmtInteger: u is the two's-complement uint64 image of the value. */
  fmtIntegerRaw(u: bigint, base: number, isSigned: boolean, verb: string, digits: string): void {
    let negative = isSigned && u >= 1n << 63n;
    if (negative) u = (1n << 64n) - u;
    let prec = 0;
    if (this.precPresent) {
      prec = this.prec;
      if (prec === 0 && u === 0n) {
        const oldZero = this.zero;
        this.zero = false;
        this.writePadding(this.wid);
        this.zero = oldZero;
        return;
      }
    } else if (this.zero && this.widPresent) {
      prec = this.wid;
      if (negative || this.plus || this.space) prec--;
    }
    let s = u.toString(base);
    if (digits === udigits) s = s.toUpperCase();
    if (prec > s.length) s = '0'.repeat(prec - s.length) + s;
    if (this.sharp) {
      if (base === 2) s = '0b' + s;
      else if (base === 8) {
        if (s[0] !== '0') s = '0' + s;
      } else if (base === 16) s = '0' + digits[16] + s;
    }
    if (verb === 'O') s = '0o' + s;
    if (negative) s = '-' + s;
    else if (this.plus) s = '+' + s;
    else if (this.space) s = ' ' + s;
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
    negative = false;
  }

  fmtC(c: bigint): void {
    const r = c > BigInt(MAX_RUNE) ? 0xfffd : Number(c);
    this.pad(runeToString(r));
  }

  fmtQc(c: bigint): void {
    const r = c > BigInt(MAX_RUNE) ? 0xfffd : Number(c);
    this.pad(quoteRune(r, this.plus));
  }

  fmtUnicode(u: bigint): void {
    let prec = 4;
    if (this.precPresent && this.prec > 4) prec = this.prec;
    let s = u.toString(16).toUpperCase();
    if (s.length < prec) s = '0'.repeat(prec - s.length) + s;
    s = 'U+' + s;
    if (this.sharp && u <= BigInt(MAX_RUNE) && isPrint(Number(u))) s += " '" + String.fromCodePoint(Number(u)) + "'";
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }

  fmtFloatRaw(v: number, verb: string, prec: number): void {
    if (this.precPresent) prec = this.prec;
    let num = formatFloat(v, verb, prec);
    if (num[0] === '-' || num[0] === '+') {
      /* keep sign */
    } else num = '+' + num;
    if (this.space && num[0] === '+' && !this.plus) num = ' ' + num.slice(1);
    if (num[1] === 'I' || num[1] === 'N') {
      const oldZero = this.zero;
      this.zero = false;
      if (num[1] === 'N' && !this.space && !this.plus) num = num.slice(1);
      this.pad(num);
      this.zero = oldZero;
      return;
    }
    if (this.sharp && verb !== 'b') {
      let digits = 0;
      if (verb === 'v' || verb === 'g' || verb === 'G' || verb === 'x') {
        digits = prec;
        if (digits === -1) digits = 6;
      }
      let tail = '';
      let hasDecimalPoint = false;
      let sawNonzero = false;
      let body = num;
      for (let i = 1; i < body.length; i++) {
        const c = body[i]!;
        if (c === '.') hasDecimalPoint = true;
        else if (c === 'p' || c === 'P') {
          tail = body.slice(i);
          body = body.slice(0, i);
          break;
        } else if ((c === 'e' || c === 'E') && verb !== 'x' && verb !== 'X') {
          tail = body.slice(i);
          body = body.slice(0, i);
          break;
        } else {
          if (c !== '0') sawNonzero = true;
          if (sawNonzero) digits--;
        }
      }
      if (!hasDecimalPoint) {
        if (body.length === 2 && body[1] === '0') digits--;
        body += '.';
      }
      while (digits > 0) {
        body += '0';
        digits--;
      }
      num = body + tail;
    }
    if (this.plus || num[0] !== '+') {
      if (this.zero && this.widPresent && this.wid > num.length) {
        this.buf += num[0];
        this.writePadding(this.wid - num.length);
        this.buf += num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  // ---- pp level ----

  badVerb(verb: string): void {
    this.buf += '%!' + verb + '(';
    if (this.arg !== undefined && this.arg !== null) {
      this.buf += typeName(this.arg) + '=';
      this.printArg(this.arg, 'v');
    } else if (this.value !== NO_VALUE && this.value !== undefined) {
      this.buf += typeName(this.value as GoValue) + '=';
      this.printValue(this.value as GoValue, 'v', 0);
    } else {
      this.buf += '<nil>';
    }
    this.buf += ')';
  }

  fmtBool(v: boolean, verb: string): void {
    if (verb === 't' || verb === 'v') this.fmtBoolean(v);
    else this.badVerb(verb);
  }

  fmt0x64(v: bigint, leading0x: boolean): void {
    const sharp = this.sharp;
    this.sharp = leading0x;
    this.fmtIntegerRaw(v, 16, false, 'v', ldigits);
    this.sharp = sharp;
  }

  fmtInteger(v: bigint, isSigned: boolean, verb: string): void {
    const u = v < 0n ? (v + (1n << 64n)) & U64 : v;
    switch (verb) {
      case 'v':
        if (this.sharpV && !isSigned) this.fmt0x64(u, true);
        else this.fmtIntegerRaw(u, 10, isSigned, verb, ldigits);
        return;
      case 'd':
        return this.fmtIntegerRaw(u, 10, isSigned, verb, ldigits);
      case 'b':
        return this.fmtIntegerRaw(u, 2, isSigned, verb, ldigits);
      case 'o':
      case 'O':
        return this.fmtIntegerRaw(u, 8, isSigned, verb, ldigits);
      case 'x':
        return this.fmtIntegerRaw(u, 16, isSigned, verb, ldigits);
      case 'X':
        return this.fmtIntegerRaw(u, 16, isSigned, verb, udigits);
      case 'c':
        return this.fmtC(u);
      case 'q':
        return this.fmtQc(u);
      case 'U':
        return this.fmtUnicode(u);
      default:
        this.badVerb(verb);
    }
  }

  fmtFloat(v: number, verb: string): void {
    switch (verb) {
      case 'v':
        return this.fmtFloatRaw(v, 'g', -1);
      case 'b':
      case 'g':
      case 'G':
      case 'x':
      case 'X':
        return this.fmtFloatRaw(v, verb, -1);
      case 'f':
      case 'e':
      case 'E':
      case 'F':
        return this.fmtFloatRaw(v, verb === 'F' ? 'f' : verb, 6);
      default:
        this.badVerb(verb);
    }
  }

  fmtComplex(v: GoComplex, verb: string): void {
    switch (verb) {
      case 'v':
      case 'b':
      case 'g':
      case 'G':
      case 'x':
      case 'X':
      case 'f':
      case 'F':
      case 'e':
      case 'E': {
        const oldPlus = this.plus;
        this.buf += '(';
        this.fmtFloat(v.re, verb);
        this.plus = true;
        this.fmtFloat(v.im, verb);
        this.buf += 'i)';
        this.plus = oldPlus;
        return;
      }
      default:
        this.badVerb(verb);
    }
  }

  fmtString(v: string, verb: string): void {
    switch (verb) {
      case 'v':
        if (this.sharpV) this.fmtQ(v);
        else this.fmtS(v);
        return;
      case 's':
        return this.fmtS(v);
      case 'x':
        return this.fmtSx(v, ldigits);
      case 'X':
        return this.fmtSx(v, udigits);
      case 'q':
        return this.fmtQ(v);
      default:
        this.badVerb(verb);
    }
  }

  fmtPointer(v: FmtArg, verb: string): void {
    if (!(v instanceof GoSlice || v instanceof GoMap)) {
      this.badVerb(verb);
      return;
    }
    const isNil = v instanceof GoSlice ? v.items === null : v.entries === null;
    // Addresses are not reproducible; a stable stand-in keeps output deterministic.
    const u = isNil ? 0n : 0xc000010000n;
    if (verb === 'v') {
      if (this.sharpV) {
        this.buf += '(' + typeName(v) + ')(';
        if (u === 0n) this.buf += 'nil';
        else this.fmt0x64(u, true);
        this.buf += ')';
      } else if (u === 0n) this.padString('<nil>');
      else this.fmt0x64(u, !this.sharp);
    } else if (verb === 'p') this.fmt0x64(u, !this.sharp);
    else if (verb === 'b' || verb === 'o' || verb === 'd' || verb === 'x' || verb === 'X') {
      this.fmtInteger(u, false, verb);
    } else this.badVerb(verb);
  }

  printArg(arg: FmtArg, verb: string): void {
    this.arg = arg;
    this.value = NO_VALUE;
    if (arg === null) {
      if (verb === 'T' || verb === 'v') this.padString('<nil>');
      else this.badVerb(verb);
      return;
    }
    if (verb === 'T') {
      this.fmtS(typeName(arg));
      return;
    }
    if (verb === 'p') {
      this.fmtPointer(arg, 'p');
      return;
    }
    switch (typeof arg) {
      case 'boolean':
        return this.fmtBool(arg, verb);
      case 'number':
        return this.fmtFloat(arg, verb);
      case 'bigint':
        return this.fmtInteger(arg, true, verb);
      case 'string':
        return this.fmtString(arg, verb);
    }
    if (arg instanceof GoComplex) return this.fmtComplex(arg, verb);
    if (arg instanceof GoUint8) return this.fmtInteger(BigInt(arg.v), false, verb);
    this.printValue(arg, verb, 0);
  }

  /** printValue for composite values (and, at depth > 0, for their elements). */
  printValue(value: GoValue, verb: string, depth: number): void {
    this.arg = undefined;
    this.value = value;
    if (value === undefined) {
      if (depth === 0) this.buf += '<invalid reflect.Value>';
      else if (verb === 'v') this.buf += '<nil>';
      else this.badVerb(verb);
      return;
    }
    if (value instanceof Iface) {
      if (value.v === null) {
        if (this.sharpV) this.buf += 'interface {}(nil)';
        else this.buf += '<nil>';
        return;
      }
      return this.printValue(value.v, verb, depth + 1);
    }
    switch (typeof value) {
      case 'boolean':
        return this.fmtBool(value, verb);
      case 'number':
        return this.fmtFloat(value, verb);
      case 'bigint':
        return this.fmtInteger(value, true, verb);
      case 'string':
        return this.fmtString(value, verb);
    }
    if (value instanceof GoComplex) return this.fmtComplex(value, verb);
    if (value instanceof GoUint8) return this.fmtInteger(BigInt(value.v), false, verb);
    if (value instanceof GoSlice) {
      if (this.sharpV) {
        this.buf += '[]string';
        if (value.items === null) {
          this.buf += '(nil)';
          return;
        }
        this.buf += '{';
        value.items.forEach((s, i) => {
          if (i > 0) this.buf += ', ';
          this.printValue(s, verb, depth + 1);
          this.grew();
        });
        this.buf += '}';
      } else {
        this.buf += '[';
        (value.items ?? []).forEach((s, i) => {
          if (i > 0) this.buf += ' ';
          this.printValue(s, verb, depth + 1);
          this.grew();
        });
        this.buf += ']';
      }
      return;
    }
    // GoMap
    const m = value;
    if (this.sharpV) {
      this.buf += typeName(m);
      if (m.entries === null) {
        this.buf += '(nil)';
        return;
      }
      this.buf += '{';
    } else this.buf += 'map[';
    m.keys().forEach((k, i) => {
      if (i > 0) this.buf += this.sharpV ? ', ' : ' ';
      this.printValue(k, verb, depth + 1);
      this.buf += ':';
      this.printValue(m.mapIndex(k), verb, depth + 1);
      this.grew();
    });
    this.buf += this.sharpV ? '}' : ']';
  }

  argNumber(argNum: number, format: string, i: number, numArgs: number): [number, number, boolean] {
    if (format.length <= i || format[i] !== '[') return [argNum, i, false];
    this.reordered = true;
    const [index, wid, ok] = parseArgNumber(format.slice(i));
    if (ok && index >= 0 && index < numArgs) return [index, i + wid, true];
    this.goodArgNum = false;
    return [argNum, i + wid, ok];
  }

  doPrintf(format: string, a: FmtArg[]): void {
    const end = format.length;
    let argNum = 0;
    let afterIndex = false;
    this.reordered = false;
    formatLoop: for (let i = 0; i < end; ) {
      this.goodArgNum = true;
      const lasti = i;
      while (i < end && format[i] !== '%') i++;
      if (i > lasti) this.buf += format.slice(lasti, i);
      if (i >= end) break;
      i++;
      this.clearflags();
      simple: for (; i < end; i++) {
        const c = format[i]!;
        switch (c) {
          case '#':
            this.sharp = true;
            break;
          case '0':
            this.zero = !this.minus;
            break;
          case '+':
            this.plus = true;
            break;
          case '-':
            this.minus = true;
            this.zero = false;
            break;
          case ' ':
            this.space = true;
            break;
          default:
            if (c >= 'a' && c <= 'z' && argNum < a.length) {
              if (c === 'v') {
                this.sharpV = this.sharp;
                this.sharp = false;
                this.plusV = this.plus;
                this.plus = false;
              }
              this.printArg(a[argNum]!, c);
              this.grew();
              argNum++;
              i++;
              continue formatLoop;
            }
            break simple;
        }
      }
      [argNum, i, afterIndex] = this.argNumber(argNum, format, i, a.length);
      if (i < end && format[i] === '*') {
        i++;
        [this.wid, this.widPresent, argNum] = intFromArg(a, argNum);
        if (!this.widPresent) this.buf += '%!(BADWIDTH)';
        if (this.wid < 0) {
          this.wid = -this.wid;
          this.minus = true;
          this.zero = false;
        }
        afterIndex = false;
      } else {
        [this.wid, this.widPresent, i] = parsenum(format, i, end);
        if (afterIndex && this.widPresent) this.goodArgNum = false;
      }
      if (i + 1 < end && format[i] === '.') {
        i++;
        if (afterIndex) this.goodArgNum = false;
        [argNum, i, afterIndex] = this.argNumber(argNum, format, i, a.length);
        if (i < end && format[i] === '*') {
          i++;
          [this.prec, this.precPresent, argNum] = intFromArg(a, argNum);
          if (this.prec < 0) {
            this.prec = 0;
            this.precPresent = false;
          }
          if (!this.precPresent) this.buf += '%!(BADPREC)';
          afterIndex = false;
        } else {
          [this.prec, this.precPresent, i] = parsenum(format, i, end);
          if (!this.precPresent) {
            this.prec = 0;
            this.precPresent = true;
          }
        }
      }
      if (!afterIndex) [argNum, i, afterIndex] = this.argNumber(argNum, format, i, a.length);
      if (i >= end) {
        this.buf += '%!(NOVERB)';
        break;
      }
      const cp = format.codePointAt(i)!;
      const verb = String.fromCodePoint(cp);
      i += verb.length;
      if (verb === '%') this.buf += '%';
      else if (!this.goodArgNum) this.buf += '%!' + verb + '(BADINDEX)';
      else if (argNum >= a.length) this.buf += '%!' + verb + '(MISSING)';
      else {
        if (verb === 'v') {
          this.sharpV = this.sharp;
          this.sharp = false;
          this.plusV = this.plus;
          this.plus = false;
        }
        this.printArg(a[argNum]!, verb);
        argNum++;
      }
      this.grew();
    }
    if (!this.reordered && argNum < a.length) {
      this.clearflags();
      this.buf += '%!(EXTRA ';
      a.slice(argNum).forEach((arg, i) => {
        if (i > 0) this.buf += ', ';
        if (arg === null) this.buf += '<nil>';
        else {
          this.buf += typeName(arg) + '=';
          this.printArg(arg, 'v');
        }
        this.grew();
      });
      this.buf += ')';
    }
  }
}

const NO_VALUE: unique symbol = Symbol('no value');

function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function runeToString(r: number): string {
  if (r < 0 || r > MAX_RUNE || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  return String.fromCodePoint(r);
}

function tooLarge(x: number): boolean {
  return x > 1e6 || x < -1e6;
}

function parsenum(s: string, start: number, end: number): [number, boolean, number] {
  if (start >= end) return [0, false, end];
  let num = 0;
  let isnum = false;
  let i = start;
  for (; i < end && s[i]! >= '0' && s[i]! <= '9'; i++) {
    if (tooLarge(num)) return [0, false, end];
    num = num * 10 + (s.charCodeAt(i) - 48);
    isnum = true;
  }
  return [num, isnum, i];
}

function parseArgNumber(format: string): [number, number, boolean] {
  if (format.length < 3) return [0, 1, false];
  for (let i = 1; i < format.length; i++) {
    if (format[i] === ']') {
      const [width, ok, newi] = parsenum(format, 1, i);
      if (!ok || newi !== i) return [0, i + 1, false];
      return [width - 1, i + 1, true];
    }
  }
  return [0, 1, false];
}

function intFromArg(a: FmtArg[], argNum: number): [number, boolean, number] {
  let num = 0;
  let isInt = false;
  let newArgNum = argNum;
  if (argNum < a.length) {
    const v = a[argNum];
    if (typeof v === 'bigint') {
      if (v >= -(1n << 63n) && v < 1n << 63n) {
        num = Number(v);
        isInt = true;
      }
    } else if (v instanceof GoUint8) {
      num = v.v;
      isInt = true;
    }
    newArgNum = argNum + 1;
    if (tooLarge(num)) {
      num = 0;
      isInt = false;
    }
  }
  return [num, isInt, newArgNum];
}

/** fmt.Sprint; with a budget, refuses to build more than the value limit. */
export function sprint(a: FmtArg[], budget: Budget | null = null): string {
  const p = new Printer(budget);
  let prevString = false;
  a.forEach((arg, n) => {
    const isString = typeof arg === 'string';
    if (n > 0 && !isString && !prevString) p.buf += ' ';
    p.printArg(arg, 'v');
    p.grew();
    prevString = isString;
  });
  return canonical(p.buf);
}

export function sprintln(a: FmtArg[], budget: Budget | null = null): string {
  const p = new Printer(budget);
  a.forEach((arg, n) => {
    if (n > 0) p.buf += ' ';
    p.printArg(arg, 'v');
    p.grew();
  });
  return canonical(p.buf + '\n');
}

export function sprintf(format: string, a: FmtArg[], budget: Budget | null = null): string {
  const p = new Printer(budget);
  p.doPrintf(format, a);
  return canonical(p.buf);
}

/** fmt.Fprint of a single value: what {{ pipeline }} writes. */
export function printOne(v: FmtArg): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  const p = new Printer();
  p.printArg(v, 'v');
  return p.buf;
}

installFormatter(printOne);
