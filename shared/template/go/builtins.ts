/**
 * The builtin functions of Go's text/template (funcs.go), over our value model, with their
 * parameter types (they decide argument validation) and Go's error texts. A BuiltinError
 * becomes "error calling NAME: MESSAGE" in the caller. Every call reports its work and the
 * values it builds to the render's budget.
 */
import type { Budget } from '../budget.js';
import { ELEMENT_UNITS } from '../limits.js';
import { FmtArg, printOne, sprint, sprintf, sprintln, toFmtArg } from './fmt.js';
import { ESC_RUNE, fromBytes, isAscii, isPrint, runes, runesToString, toBytes, utf8Len } from './strconv.js';
import {
  compareGoStrings,
  GoComplex,
  GoMap,
  GoSlice,
  GoUint8,
  GoValue,
  Iface,
  indirectInterface,
  truth,
  typeName,
} from './values.js';

export class BuiltinError extends Error {}

/** 'value' = reflect.Value, 'any' = interface{}, 'string' = string. */
export type ParamType = 'value' | 'any' | 'string';

export interface Signature {
  params: ParamType[];
  variadic: boolean;
}

const sig = (params: ParamType[], variadic: boolean): Signature => ({ params, variadic });

export const BUILTINS: Record<string, Signature> = Object.assign(Object.create(null) as Record<string, Signature>, {
  and: sig(['value', 'value'], true),
  call: sig(['value', 'value'], true),
  html: sig(['any'], true),
  index: sig(['value', 'value'], true),
  slice: sig(['value', 'value'], true),
  js: sig(['any'], true),
  len: sig(['value'], false),
  not: sig(['value'], false),
  or: sig(['value', 'value'], true),
  print: sig(['any'], true),
  printf: sig(['string', 'any'], true),
  println: sig(['any'], true),
  urlquery: sig(['any'], true),
  eq: sig(['value', 'value'], true),
  ge: sig(['value', 'value'], false),
  gt: sig(['value', 'value'], false),
  le: sig(['value', 'value'], false),
  lt: sig(['value', 'value'], false),
  ne: sig(['value', 'value'], false),
});

const ZERO_VALUE_TYPE_PANIC = 'reflect: call of reflect.Value.Type on zero Value';

export function callBuiltin(name: string, argv: GoValue[], budget: Budget): GoValue {
  budget.spend(inputSize(argv));
  switch (name) {
    case 'index':
      return index(argv[0], argv.slice(1));
    case 'slice':
      return built(slice(argv[0], argv.slice(1)), budget);
    case 'len':
      return length(argv[0]);
    case 'not':
      return !truth(argv[0]);
    case 'call':
      return call(argv[0]);
    case 'eq':
      return eq(argv[0], argv.slice(1));
    case 'ne':
      return !eq(argv[0], [argv[1]]);
    case 'lt':
      return lt(argv[0], argv[1]);
    case 'le':
      return lt(argv[0], argv[1]) || eq(argv[0], [argv[1]]);
    case 'gt':
      return !(lt(argv[0], argv[1]) || eq(argv[0], [argv[1]]));
    case 'ge':
      return !lt(argv[0], argv[1]);
    case 'print':
      return built(sprint(argv.map(toFmtArg), budget), budget);
    case 'println':
      return built(sprintln(argv.map(toFmtArg), budget), budget);
    case 'printf':
      return built(sprintf(argv[0] as string, argv.slice(1).map(toFmtArg), budget), budget);
    // The escapers grow their input at most 9-fold (urlquery: one byte of 3 becomes "%XX").
    case 'html':
      return built(htmlEscape(evalArgs(argv.map(toFmtArg), budget)), budget);
    case 'js':
      return built(jsEscape(evalArgs(argv.map(toFmtArg), budget)), budget);
    case 'urlquery':
      return built(queryEscape(evalArgs(argv.map(toFmtArg), budget)), budget);
  }
  throw new BuiltinError(`unknown function ${name}`);
}

/** What the arguments make a builtin scan: string lengths, collection sizes. */
function inputSize(argv: GoValue[]): number {
  let n = 1;
  for (let v of argv) {
    if (v instanceof Iface) v = v.v ?? undefined;
    if (typeof v === 'string') n += v.length;
    else if (v instanceof GoSlice) n += v.length;
  }
  return n;
}

/** Account for a value a builtin built. */
function built<V extends GoValue>(v: V, budget: Budget): V {
  if (typeof v === 'string') budget.produce(v.length);
  else if (v instanceof GoSlice) budget.produce(v.length * ELEMENT_UNITS);
  return v;
}

/** indirect(): [value, isNil] through interfaces. */
function indirect(v: GoValue): [GoValue, boolean] {
  if (v instanceof Iface) {
    if (v.v === null) return [v, true];
    return [v.v, false];
  }
  return [v, false];
}

function indexArg(index: GoValue, cap: number): number {
  let x: bigint;
  if (typeof index === 'bigint') x = index;
  else if (index instanceof GoUint8) x = BigInt(index.v);
  else if (index === undefined) throw new BuiltinError('cannot index slice/array with nil');
  else throw new BuiltinError(`cannot index slice/array with type ${typeName(index)}`);
  if (x < 0n || x > BigInt(cap)) throw new BuiltinError(`index out of range: ${x}`);
  return Number(x);
}

function index(item: GoValue, indexes: GoValue[]): GoValue {
  item = indirectInterface(item);
  if (item === undefined) throw new BuiltinError('index of untyped nil');
  for (let idx of indexes) {
    idx = indirectInterface(idx);
    let isNil: boolean;
    [item, isNil] = indirect(item);
    if (isNil) throw new BuiltinError('index of nil pointer');
    if (typeof item === 'string') {
      const bytes = isAscii(item) ? null : toBytes(item);
      const len = bytes ? bytes.length : item.length;
      const x = indexArg(idx, len);
      if (x >= len) throw new BuiltinError('reflect: string index out of range');
      item = new GoUint8(bytes ? bytes[x]! : item.charCodeAt(x));
    } else if (item instanceof GoSlice) {
      const x = indexArg(idx, item.length);
      if (x >= item.length) throw new BuiltinError('reflect: slice index out of range');
      item = item.items![x]!;
    } else if (item instanceof GoMap) {
      let key: string;
      if (idx === undefined) throw new BuiltinError('value is nil; should be of type string');
      if (typeof idx === 'string') key = idx;
      else throw new BuiltinError(`value has type ${typeName(idx)}; should be string`);
      const x = item.mapIndex(key);
      item = x !== undefined ? x : item.zeroElem();
    } else {
      throw new BuiltinError(`can't index item of type ${typeName(item)}`);
    }
  }
  return item;
}

function slice(item: GoValue, indexes: GoValue[]): GoValue {
  item = indirectInterface(item);
  if (item === undefined) throw new BuiltinError('slice of untyped nil');
  if (indexes.length > 3) throw new BuiltinError(`too many slice indexes: ${indexes.length}`);
  let cap: number;
  let len: number;
  let bytes: Uint8Array | null = null;
  if (typeof item === 'string') {
    if (indexes.length === 3) throw new BuiltinError('cannot 3-index slice a string');
    if (!isAscii(item)) bytes = toBytes(item);
    cap = len = bytes ? bytes.length : item.length;
  } else if (item instanceof GoSlice) {
    len = item.length;
    cap = item.cap;
  } else {
    throw new BuiltinError(`can't slice item of type ${typeName(item)}`);
  }
  const idx = [0, len, 0];
  // Unlike index, Go's slice does not look inside interface arguments.
  indexes.forEach((ix, i) => {
    idx[i] = indexArg(ix, cap);
  });
  if (idx[0]! > idx[1]!) throw new BuiltinError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!) throw new BuiltinError(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (typeof item === 'string') {
    if (bytes) return fromBytes(bytes, idx[0], idx[1]);
    return item.slice(idx[0], idx[1]);
  }
  return item.reslice(idx[0]!, idx[1]!, indexes.length === 3 ? idx[2]! : item.cap);
}

function length(item: GoValue): GoValue {
  const [v, isNil] = indirect(item);
  if (isNil) throw new BuiltinError('len of nil pointer');
  if (typeof v === 'string') return BigInt(utf8Len(v));
  if (v instanceof GoSlice || v instanceof GoMap) return BigInt(v.length);
  if (v === undefined) throw new BuiltinError(ZERO_VALUE_TYPE_PANIC);
  throw new BuiltinError(`len of type ${typeName(v)}`);
}

function call(fn: GoValue): GoValue {
  fn = indirectInterface(fn);
  if (fn === undefined) throw new BuiltinError('call of nil');
  throw new BuiltinError(`non-function of type ${typeName(fn)}`);
}

type BasicKind = 'invalid' | 'bool' | 'complex' | 'int' | 'float' | 'string' | 'uint';

function basicKind(v: GoValue): BasicKind {
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
  }
  if (v instanceof GoUint8) return 'uint';
  if (v instanceof GoComplex) return 'complex';
  return 'invalid';
}

const errBadComparisonType = 'invalid type for comparison';
const errBadComparison = 'incompatible types for comparison';
const errNoComparison = 'missing argument for comparison';

function intOf(v: GoValue): bigint {
  return typeof v === 'bigint' ? v : BigInt((v as GoUint8).v);
}

function isNilValue(v: GoValue): boolean {
  if (v === undefined) return true;
  if (v instanceof GoSlice) return v.items === null;
  if (v instanceof GoMap) return v.entries === null;
  if (v instanceof Iface) return v.v === null;
  return false;
}

/** %s / %v of a reflect.Value inside an error message. */
function show(v: GoValue, verb: string): string {
  if (v === undefined) return '<invalid reflect.Value>';
  return verb === 'v' ? printOne(toFmtArg(v)) : sprintf('%s', [toFmtArg(v)]);
}

function eq(arg1: GoValue, arg2: GoValue[]): boolean {
  arg1 = indirectInterface(arg1);
  if (arg2.length === 0) throw new BuiltinError(errNoComparison);
  const k1 = basicKind(arg1);
  for (let arg of arg2) {
    arg = indirectInterface(arg);
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      if (k1 === 'int' && k2 === 'uint') truth = intOf(arg1) >= 0n && intOf(arg1) === intOf(arg);
      else if (k1 === 'uint' && k2 === 'int') truth = intOf(arg) >= 0n && intOf(arg1) === intOf(arg);
      else if (arg1 !== undefined && arg !== undefined) throw new BuiltinError(errBadComparison);
    } else {
      switch (k1) {
        case 'bool':
        case 'float':
        case 'string':
        case 'int':
          truth = arg1 === arg;
          break;
        case 'uint':
          truth = (arg1 as GoUint8).v === (arg as GoUint8).v;
          break;
        case 'complex':
          truth = (arg1 as GoComplex).re === (arg as GoComplex).re && (arg1 as GoComplex).im === (arg as GoComplex).im;
          break;
        default: {
          const kd1 = compositeKind(arg1);
          const kd2 = compositeKind(arg);
          if (kd1 !== kd2 && kd1 !== 'invalid' && kd2 !== 'invalid') {
            throw new BuiltinError(`non-comparable types ${show(arg1, 's')}: ${typeName(arg1)}, ${typeName(arg)}: ${show(arg, 'v')}`);
          }
          if (isNilValue(arg1) || isNilValue(arg)) truth = isNilValue(arg) === isNilValue(arg1);
          else throw new BuiltinError(`non-comparable type ${show(arg, 's')}: ${typeName(arg)}`);
        }
      }
    }
    if (truth) return true;
  }
  return false;
}

function compositeKind(v: GoValue): string {
  if (v === undefined) return 'invalid';
  if (v instanceof GoSlice) return 'slice';
  if (v instanceof GoMap) return 'map';
  if (v instanceof Iface) return 'interface';
  return 'other';
}

function lt(arg1: GoValue, arg2: GoValue): boolean {
  arg1 = indirectInterface(arg1);
  const k1 = basicKind(arg1);
  if (k1 === 'invalid') throw new BuiltinError(errBadComparisonType);
  arg2 = indirectInterface(arg2);
  const k2 = basicKind(arg2);
  if (k2 === 'invalid') throw new BuiltinError(errBadComparisonType);
  if (k1 !== k2) {
    if (k1 === 'int' && k2 === 'uint') return intOf(arg1) < 0n || intOf(arg1) < intOf(arg2);
    if (k1 === 'uint' && k2 === 'int') return intOf(arg2) >= 0n && intOf(arg1) < intOf(arg2);
    throw new BuiltinError(errBadComparison);
  }
  switch (k1) {
    case 'bool':
    case 'complex':
      throw new BuiltinError(errBadComparisonType);
    case 'float':
      return (arg1 as number) < (arg2 as number);
    case 'int':
      return (arg1 as bigint) < (arg2 as bigint);
    case 'string':
      return compareGoStrings(arg1 as string, arg2 as string) < 0;
    default:
      return (arg1 as GoUint8).v < (arg2 as GoUint8).v;
  }
}

/** evalArgs for html/js/urlquery: one string passes as is; otherwise fmt.Sprint of printable values. */
function evalArgs(args: FmtArg[], budget: Budget): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(
    args.map((a) => (a === null ? '<no value>' : a)),
    budget,
  );
}

export function htmlEscape(s: string): string {
  if (!/['"&<>\0]/.test(s)) return s;
  let out = '';
  for (const ch of s) {
    switch (ch) {
      case '\0':
        out += '\uFFFD';
        break;
      case '"':
        out += '&#34;';
        break;
      case "'":
        out += '&#39;';
        break;
      case '&':
        out += '&amp;';
        break;
      case '<':
        out += '&lt;';
        break;
      case '>':
        out += '&gt;';
        break;
      default:
        out += ch;
    }
  }
  return out;
}

/** ASCII that js passes through unchanged. */
function jsPlain(c: number): boolean {
  return c >= 0x20 && c < 0x80 && c !== 0x5c && c !== 0x27 && c !== 0x22 && c !== 0x3c && c !== 0x3e && c !== 0x26 && c !== 0x3d;
}

export function jsEscape(s: string): string {
  if (isAscii(s)) {
    // Copy runs of unchanged ASCII; escape the rest one by one.
    let out = '';
    let run = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (jsPlain(c)) continue;
      out += s.slice(run, i) + jsEscapeRune(c);
      run = i + 1;
    }
    return run === 0 ? s : out + s.slice(run);
  }
  let out = '';
  for (const r of runes(s)) out += jsEscapeRune(r);
  return out;
}

function jsEscapeRune(r: number): string {
  if (r < 0x80) {
    switch (r) {
      case 0x5c:
        return '\\\\';
      case 0x27:
        return "\\'";
      case 0x22:
        return '\\"';
      case 0x3c:
        return '\\u003C';
      case 0x3e:
        return '\\u003E';
      case 0x26:
        return '\\u0026';
      case 0x3d:
        return '\\u003D';
    }
    if (r < 0x20) return '\\u00' + r.toString(16).toUpperCase().padStart(2, '0');
    return String.fromCharCode(r);
  }
  // An invalid byte decodes as U+FFFD, which is printable: Go writes the byte itself.
  if (r >= ESC_RUNE) return runesToString([r]);
  if (isPrint(r)) return String.fromCodePoint(r);
  return '\\u' + r.toString(16).toUpperCase().padStart(4, '0');
}

export function queryEscape(s: string): string {
  let out = '';
  for (const b of toBytes(s)) {
    const c = String.fromCharCode(b);
    if ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || c === '-' || c === '_' || c === '.' || c === '~') {
      out += c;
    } else if (b === 0x20) out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}
