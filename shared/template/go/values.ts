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

export class GoMap {
  private sorted: string[] | null = null;
  /** Entries live in a null-prototype object so no template can reach Object.prototype. */
  constructor(
    readonly elem: MapElem,
    readonly entries: Readonly<Record<string, Concrete | null>> | null,
  ) {}
  get length(): number {
    return this.entries ? this.keys().length : 0;
  }
  has(k: string): boolean {
    return this.entries !== null && Object.prototype.hasOwnProperty.call(this.entries, k);
  }
  /** Element for a present key (the raw element; MapIndex wraps iface elements). */
  get(k: string): Concrete | null {
    return this.entries![k] as Concrete | null;
  }
  /** reflect's MapIndex: invalid (undefined) when absent; Iface-wrapped for interface{} maps. */
  mapIndex(k: string): GoValue {
    if (!this.has(k)) return undefined;
    const v = this.entries![k] as Concrete | null;
    if (this.elem === 'string') return v as string;
    let cache = this.ifaceCache;
    if (cache === null) cache = this.ifaceCache = new Map();
    let w = cache.get(k);
    if (w === undefined) {
      w = v === null ? NIL_IFACE : new Iface(v);
      cache.set(k, w);
    }
    return w;
  }
  /** reflect.Zero of the element type, what `index` yields for a missing key. */
  zeroElem(): GoValue {
    return this.elem === 'string' ? '' : NIL_IFACE;
  }
  private ifaceCache: Map<string, Iface> | null = null;
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

/** Go's name for the dynamic type of a value (reflect.Type.String()). */
export function typeName(v: GoValue): string {
  if (v === undefined) return '<nil>';
  if (v instanceof Iface) return 'interface {}';
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
  if (v instanceof GoSlice) return '[]string';
  return v.elem === 'string' ? 'map[string]string' : 'map[string]interface {}';
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

function stringMap(obj: Record<string, string> | null | undefined): GoMap {
  if (obj === null || obj === undefined) return new GoMap('string', null);
  const entries: Record<string, Concrete | null> = Object.create(null);
  for (const k of Object.keys(obj)) entries[wellFormed(k)] = wellFormed(String(obj[k]));
  return new GoMap('string', entries);
}

/** Build the `{"Deps": deps}` value exactly as Axon hands it to Execute. */
export function toGoData(data: { Deps: Record<string, DependencyData> }): GoMap {
  const deps: Record<string, Concrete | null> = Object.create(null);
  const src = data.Deps ?? {};
  for (const name of Object.keys(src)) {
    const d = src[name]!;
    const dep: Record<string, Concrete | null> = Object.create(null);
    const outs = d.Outputs === null || d.Outputs === undefined ? null : d.Outputs.map((o) => wellFormed(String(o)));
    dep.Outputs = new GoSlice(outs, outs === null ? 0 : jsonSliceCap(outs.length));
    dep.Results = stringMap(d.Results);
    dep.Name = wellFormed(typeof d.Name === 'string' ? d.Name : name);
    deps[wellFormed(name)] = new GoMap('iface', dep);
  }
  const root: Record<string, Concrete | null> = Object.create(null);
  root.Deps = new GoMap('iface', deps);
  return new GoMap('iface', root);
}
