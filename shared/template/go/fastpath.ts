/**
 * Fast evaluation of the pipelines prompts are made of — `.Deps.x.Outputs`, `$v.Name`, `.`,
 * `index .Deps "x" "Results" "k"` — without the general evaluator's bookkeeping. A fast path
 * only handles the error-free case: on anything unusual it returns BAIL and the caller runs the
 * general evaluator, which then produces Go's exact result or error. Evaluating these
 * pipelines has no side effects, so running both is safe.
 */
import type { ArgNode, PipeNode } from './ast.js';
import type { VarInfo } from './exec.js';
import { GoMap, GoSlice, GoValue, Iface } from './values.js';

export const BAIL: unique symbol = Symbol('bail');
export type Fast = (dot: GoValue, vars: GoValue[]) => GoValue | typeof BAIL;

type Getter = (dot: GoValue, vars: GoValue[]) => GoValue | typeof BAIL;

function unwrap(v: GoValue): GoValue {
  return v instanceof Iface ? (v.v === null ? undefined : v.v) : v;
}

/** One field step on a map (the only receivers our data has); anything else bails. */
function field(v: GoValue | typeof BAIL, name: string): GoValue | typeof BAIL {
  if (v instanceof Iface) v = v.v ?? undefined;
  if (!(v instanceof GoMap)) return BAIL;
  const r = v.mapIndex(name);
  return r === undefined ? BAIL : r;
}

function chain(base: Getter, names: string[]): Getter {
  if (names.length === 0) return base;
  return (dot, vars) => {
    let v: GoValue | typeof BAIL = base(dot, vars);
    for (const n of names) {
      if (v === BAIL) return BAIL;
      v = field(v, n);
    }
    return v;
  };
}

/** Operands a fast path can read: the dot, a field chain, a variable (with fields). */
function operand(a: ArgNode, info: VarInfo): Getter | null {
  switch (a.kind) {
    case 'dot':
      return (dot) => dot;
    case 'field':
      return chain((dot) => dot, a.ident);
    case 'variable': {
      const slot = info.slotOf.get(a.id) ?? -1;
      if (slot < 0) return null;
      return chain((_d, vars) => vars[slot], a.ident.slice(1));
    }
    case 'pipe':
      return pipeline(a, info);
    default:
      return null;
  }
}

/** `index X "k1" "k2" ...` over maps (string keys) and []string (int keys). */
function index(args: ArgNode[], info: VarInfo): Getter | null {
  const item = args[1] ? operand(args[1], info) : null;
  if (!item) return null;
  const keys: (string | number)[] = [];
  for (const k of args.slice(2)) {
    if (k.kind === 'string') keys.push(k.text);
    else if (k.kind === 'number' && k.num.isInt && !k.num.isComplex && !/[.eEpP']/.test(k.num.text) && k.num.int64 >= 0n && k.num.int64 < 1n << 31n) {
      keys.push(Number(k.num.int64));
    } else return null;
  }
  if (keys.length === 0) return null;
  return (dot, vars) => {
    let v = item(dot, vars);
    if (v === BAIL) return BAIL;
    for (const k of keys) {
      v = unwrap(v as GoValue);
      if (typeof k === 'string') {
        if (!(v instanceof GoMap)) return BAIL;
        const r = v.mapIndex(k);
        v = r !== undefined ? r : v.zeroElem();
      } else {
        if (!(v instanceof GoSlice) || k >= v.length) return BAIL;
        v = v.items![k]!;
      }
    }
    return v;
  };
}

function pipeline(p: PipeNode, info: VarInfo): Getter | null {
  if (p.decl.length > 0 || p.cmds.length !== 1) return null;
  const args = p.cmds[0]!.args;
  const first = args[0]!;
  let g: Getter | null = null;
  if (first.kind === 'identifier') {
    if (first.ident === 'index') g = index(args, info);
  } else if (args.length === 1) {
    g = operand(first, info);
  }
  if (!g) return null;
  const get = g;
  // evalPipeline unwraps an interface result.
  return (dot, vars) => {
    const v = get(dot, vars);
    return v instanceof Iface ? (v.v === null ? undefined : v.v) : v;
  };
}

/** A fast evaluator for the pipeline, or null when it needs the general evaluator. */
export function compileFast(p: PipeNode, info: VarInfo): Fast | null {
  return pipeline(p, info);
}
