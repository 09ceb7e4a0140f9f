/**
 * The Go values a prompt template can see, modelled in JS with their Go types, because Go's
 * behaviour (printing, truth, comparison, errors) depends on the static type:
 *
 *   undefined          the invalid reflect.Value (prints "<no value>")
 *   Iface              an interface{} value as it comes out of a map[string]interface{}
 *                      (NIL_IFACE is the nil interface, e.g. `index .Deps "missing"`)
 *   string             string
 *   bigint             int
 *   number             float64
 *   boolean            bool
 *   GoUint8            uint8 (a byte from `index` on a string)
 *   GoComplex          complex128
 *   GoSlice            []string (items null = nil slice)
 *   GoMap              map[string]string or map[string]interface{} (entries null = nil map)
 *
 * Axon executes `{"Deps": deps}` with deps a map[string]interface{} of
 * map[string]interface{}{"Outputs": []string, "Results": map[string]string, "Name": string}.
 */
import type { DependencyData } from '../../task/model.js';
import { hasEscapes, toBytes, wellFormed } from './strconv.js';

export class GoUint8 {
  constructor(readonly v: number) {}
}

export class GoComplex {
  constructor(
    readonly re: number,
    readonly im: number,
  ) {}
}

/**
 * Capacity encoding/json gives a decoded []string of n elements (it grows by 1.5x from 4).
 * Axon's Outputs arrive through JSON decoding, and `slice` may reach past len up to cap.
 */
export function jsonSliceCap(n: number): number {
  if (n === 0) return 0;
  let c = 4;
  while (c < n) c += Math.floor(c / 2);
  return c;
}

export class GoSlice {
  /** The visible elements; null for a nil slice. */
  readonly items: readonly string[] | null;
  readonly cap: number;
  constructor(
    items: readonly string[] | null,
    cap?: number,
    /** Backing array and offset, so re-slicing past len shows what Go would show. */
    private readonly backing: readonly string[] | null = items,
    private readonly off = 0,
  ) {
    this.items = items;
    this.cap = cap ?? (items === null ? 0 : items.length);
  }
  get length(): number {
    return this.items ? this.items.length : 0;
  }
  /** s[lo:hi:max] (max defaults to cap); bounds already checked by the caller. */
  reslice(lo: number, hi: number, max: number): GoSlice {
    if (this.backing === null) return this;
    const start = this.off + lo;
    const items: string[] = [];
    for (let i = start; i < this.off + hi; i++) items.push(this.backing[i] ?? '');
    return new GoSlice(items, max - lo, this.backing, start);
  }
}

export type MapElem = 'string' | 'iface';

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * map[string]string (elements are strings) or map[string]interface{} (elements are Iface, as
 * MapIndex returns them). Only own properties of `entries` are ever read, so a plain object
 * (even the caller's own) can back a map without exposing Object.prototype.
 */
export class GoMap {
  private sorted: string[] | null = null;
  constructor(
    readonly elem: MapElem,
    readonly entries: Readonly<Record<string, string | Iface>> | null,
  ) {}
  get length(): number {
    return this.entries ? this.keys().length : 0;
  }
  has(k: string): boolean {
    return this.entries !== null && hasOwn.call(this.entries, k);
  }
  /** reflect's MapIndex: invalid (undefined) when the key is absent. */
  mapIndex(k: string): GoValue {
    if (this.entries === null || !hasOwn.call(this.entries, k)) return undefined;
    return this.entries[k];
  }
  /** reflect.Zero of the element type, what `index` yields for a missing key. */
  zeroElem(): GoValue {
    return this.elem === 'string' ? '' : NIL_IFACE;
  }
  /** Keys in Go's sorted order (byte-wise, which for UTF-16 strings equals code point order). */
  keys(): string[] {
    if (this.sorted === null) this.sorted = this.entries ? Object.keys(this.entries).sort(compareGoStrings) : [];
    return this.sorted;
  }
}

/**
 * An interface{}-kind reflect.Value (what MapIndex on a map[string]interface{} returns). Go
 * unwraps these in most places, but not all: error texts say "interface {}" and a nil one is
 * a "nil pointer" to len/index. `v === null` is the nil interface.
 */
export class Iface {
  constructor(readonly v: Concrete | null) {}
  /** nunjucks writes `{{ x }}` by string concatenation: an element prints as Go's %v would. */
  toString(): string {
    return this.v === null ? '<nil>' : formatValue(this.v);
  }
}

/** Go's %v, installed by fmt.ts (which depends on this module). */
let formatValue: (v: Concrete) => string = String;
export function installFormatter(f: (v: Concrete) => string): void {
  formatValue = f;
}

export const NIL_IFACE = new Iface(null);

export type Concrete = string | bigint | number | boolean | GoUint8 | GoComplex | GoSlice | GoMap;

export type GoValue =
  | undefined
  | Iface
  | string
  | bigint
  | number
  | boolean
  | GoUint8
  | GoComplex
  | GoSlice
  | GoMap;

/** Go compares strings byte-wise; for valid UTF-8 that is code point order. */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  if (hasEscapes(a) || hasEscapes(b)) return compareBytes(toBytes(a), toBytes(b));
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.codePointAt(i)!;
    let y = b.codePointAt(i)!;
    if (x !== y) {
      // Surrogates (>= 0xd800 as UTF-16) must compare as their full code points.
      if (x >= 0xdc00 && x <= 0xdfff) x = a.charCodeAt(i);
      if (y >= 0xdc00 && y <= 0xdfff) y = b.charCodeAt(i);
      return x < y ? -1 : 1;
    }
    if (x > 0xffff) i++;
  }
  return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
}

/** indirectInterface: the concrete value inside an interface (invalid for a nil one). */
export function indirectInterface(v: GoValue): GoValue {
  return v instanceof Iface ? (v.v === null ? undefined : v.v) : v;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export type Kind = 'invalid' | 'interface' | 'string' | 'int' | 'float64' | 'bool' | 'uint8' | 'complex128' | 'slice' | 'map';

export function kindOf(v: GoValue): Kind {
  if (v === undefined) return 'invalid';
  if (v instanceof Iface) return 'interface';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
  }
  if (v instanceof GoUint8) return 'uint8';
  if (v instanceof GoComplex) return 'complex128';
  if (v instanceof GoSlice) return 'slice';
  return 'map';
}


function wellFormedStrings(items: readonly unknown[]): boolean {
  for (const x of items) if (typeof x !== 'string' || hasEscapes(x)) return false;
  return true;
}

/**
 * A dependency as Axon builds it — map[string]interface{}{"Outputs", "Results", "Name"} — plus
 * Dendrite's "Response" (the agent's answer, a string). Each field is converted when the
 * template first reaches it.
 */
class DepMap extends GoMap {
  private outputs: Iface | undefined;
  private results: Iface | undefined;
  private name: Iface | undefined;
  private response: Iface | undefined;
  constructor(
    private readonly depName: string,
    private readonly d: DependencyData,
  ) {
    super('iface', DEP_KEYS);
  }
  override mapIndex(k: string): GoValue {
    switch (k) {
      case 'Outputs':
        return (this.outputs ??= new Iface(outputsOf(this.d)));
      case 'Results':
        return (this.results ??= new Iface(stringMap(this.d.Results)));
      case 'Name':
        return (this.name ??= new Iface(wellFormed(typeof this.d.Name === 'string' ? this.d.Name : this.depName)));
      case 'Response':
        return (this.response ??= new Iface(wellFormed(typeof this.d.Response === 'string' ? this.d.Response : '')));
    }
    return undefined;
  }
}

/** The dependency map's keys (its values are produced by DepMap.mapIndex). */
const DEP_KEYS: Readonly<Record<string, Iface>> = Object.freeze({ Outputs: NIL_IFACE, Results: NIL_IFACE, Name: NIL_IFACE, Response: NIL_IFACE });

function outputsOf(d: DependencyData): GoSlice {
  if (d.Outputs === null || d.Outputs === undefined) return new GoSlice(null, 0);
  // The caller's array is used as is when it already holds Go-clean strings (the usual case).
  const outs = wellFormedStrings(d.Outputs) ? d.Outputs : d.Outputs.map((o) => wellFormed(String(o)));
  return new GoSlice(outs, jsonSliceCap(outs.length));
}

function toDep(name: string, d: DependencyData): GoMap {
  return new DepMap(name, d);
}

function stringMap(obj: Record<string, string> | null | undefined): GoMap {
  if (obj === null || obj === undefined) return new GoMap('string', null);
  const keys = Object.keys(obj);
  let clean = true;
  for (const k of keys) {
    const v = obj[k];
    if (typeof v !== 'string' || hasEscapes(v) || hasEscapes(k)) {
      clean = false;
      break;
    }
  }
  // GoMap reads own properties only, so a clean caller object can back the map directly.
  if (clean) return new GoMap('string', obj);
  const entries: Record<string, string> = Object.create(null);
  for (const k of keys) entries[wellFormed(k)] = wellFormed(String(obj[k]));
  return new GoMap('string', entries);
}

/** `.Deps`: converts a dependency when the template first reaches it. */
class DepsMap extends GoMap {
  private readonly converted = new Map<string, Iface>();
  constructor(private readonly raw: Record<string, DependencyData>) {
    super('iface', raw as unknown as Record<string, Iface>);
  }
  override mapIndex(k: string): GoValue {
    if (!hasOwn.call(this.raw, k)) return undefined;
    let v = this.converted.get(k);
    if (v === undefined) {
      const dep = this.raw[k];
      v = dep === null || dep === undefined ? NIL_IFACE : new Iface(toDep(k, dep));
      this.converted.set(k, v);
    }
    return v;
  }
}

/**
 * A JSON value as encoding/json decodes it into interface{}: objects map[string]interface{},
 * numbers float64. Arrays become []string (this model's only slice type): strings as they are,
 * anything else as its JSON text.
 */
function jsonToGo(value: unknown): Concrete | null {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return wellFormed(value);
    case 'number':
    case 'boolean':
      return value;
  }
  if (Array.isArray(value)) return new GoSlice(value.map((v) => (typeof v === 'string' ? wellFormed(v) : JSON.stringify(v))));
  if (typeof value !== 'object') return null;
  const entries: Record<string, Iface> = Object.create(null);
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) entries[wellFormed(k)] = new Iface(jsonToGo(v));
  return new GoMap('iface', entries);
}

/**
 * Build the `{"Deps": deps}` value exactly as Axon hands it to Execute. Other top-level fields
 * (a TaskSpawner's item: `.Number`, `.Title`, `.Event`, …) are JSON values; at the top level an
 * integer is an int, as in Axon's struct.
 */
export function toGoData(data: { Deps: Record<string, DependencyData> } & Record<string, unknown>): GoMap {
  const root: Record<string, Iface> = Object.create(null);
  for (const [k, v] of Object.entries(data)) {
    if (k === 'Deps') continue;
    root[k] = new Iface(typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : jsonToGo(v));
  }
  root.Deps = new Iface(new DepsMap(data.Deps ?? {}));
  return new GoMap('iface', root);
}

/** Go's name for the dynamic type of a value (reflect.Type.String()). */
export function typeName(v: GoValue): string {
  const kind = kindOf(v);
  switch (kind) {
    case 'invalid':
      return '<nil>';
    case 'interface':
      return 'interface {}';
    case 'slice':
      return '[]string';
    case 'map':
      return (v as GoMap).elem === 'string' ? 'map[string]string' : 'map[string]interface {}';
    default:
      return kind;
  }
}

export function truth(v: GoValue): boolean {
  return isTrue(indirectInterface(v));
}

/** isTrue for every kind our values can have. */
export function isTrue(v: GoValue): boolean {
  if (v === undefined) return false;
  switch (typeof v) {
    case 'string':
      return v.length > 0;
    case 'boolean':
      return v;
    case 'bigint':
      return v !== 0n;
    case 'number':
      return v !== 0;
  }
  if (v instanceof Iface) return v.v !== null;
  if (v instanceof GoSlice) return v.length > 0;
  if (v instanceof GoMap) return v.length > 0;
  if (v instanceof GoUint8) return v.v !== 0;
  return v.re !== 0 || v.im !== 0;
}
