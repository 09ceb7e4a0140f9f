/**
 * The functions a compiled Go template calls from nunjucks. nunjucks invokes globals with
 * `this` bound to its render Context, whose `ctx.__s` is the per-render state; keeping them as
 * plain module functions avoids allocating closures per render.
 */
import type { ActionNode, BranchNode, Node } from './ast.js';
import { Exec, truth } from './exec.js';
import type { RangeMeta } from './compile.js';
import { printOne } from './fmt.js';
import { GoMap, GoSlice, GoValue, Iface, indirectInterface } from './values.js';
import { Budget } from '../limits.js';

interface LoopState {
  items: unknown[];
  keys: string[] | null;
  broken: boolean;
  skipped: boolean;
}

export class GoRenderState {
  readonly loops: (LoopState | undefined)[] = [];
  error: unknown = undefined;

  constructor(
    readonly exec: Exec,
    readonly nodes: Node[],
    readonly ranges: Map<number, RangeMeta>,
    readonly budget: Budget,
  ) {}

  fail(e: unknown): never {
    this.error = e;
    throw e;
  }
}

interface Ctx {
  ctx: { __s: GoRenderState };
}

function state(c: Ctx): GoRenderState {
  return c.ctx.__s;
}

/** {{ . }}: print the dot. */
function __pd(this: Ctx, v: GoValue): string {
  const s = state(this);
  try {
    let out: string;
    if (typeof v === 'string') out = v;
    else {
      if (v instanceof Iface) v = v.v === null ? undefined : v.v;
      out = v === undefined ? '<no value>' : printOne(v as Exclude<GoValue, undefined | Iface>);
    }
    s.budget.wrote(out.length);
    return out;
  } catch (e) {
    return s.fail(e);
  }
}

/** {{ pipeline }}: evaluate; print unless it declares variables. */
function __a(this: Ctx, id: number, dot: GoValue): string {
  const s = state(this);
  try {
    const node = s.nodes[id] as ActionNode;
    s.exec.at(node);
    const v = s.exec.evalPipeline(dot, node.pipe);
    if (node.pipe.decl.length > 0) return '';
    s.exec.at(node);
    const out = s.exec.printValue(v);
    s.budget.wrote(out.length);
    return out;
  } catch (e) {
    return s.fail(e);
  }
}

function __if(this: Ctx, id: number, dot: GoValue): boolean {
  const s = state(this);
  try {
    const node = s.nodes[id] as BranchNode;
    s.exec.at(node);
    return truth(s.exec.evalPipeline(dot, node.pipe));
  } catch (e) {
    return s.fail(e);
  }
}

function __with(this: Ctx, id: number, dot: GoValue): GoValue {
  const s = state(this);
  try {
    const node = s.nodes[id] as BranchNode;
    s.exec.at(node);
    return s.exec.evalPipeline(dot, node.pipe);
  } catch (e) {
    return s.fail(e);
  }
}

function __t(v: GoValue): boolean {
  return truth(v);
}

const EMPTY: never[] = [];

function __rng(this: Ctx, id: number, dot: GoValue): unknown[] {
  const s = state(this);
  try {
    const node = s.nodes[id] as BranchNode;
    const exec = s.exec;
    exec.at(node);
    const val = indirectInterface(exec.evalPipeline(dot, node.pipe));
    const meta = s.ranges.get(id)!;
    let items: unknown[];
    let keys: string[] | null = null;
    if (val instanceof GoSlice) {
      items = val.items === null ? EMPTY : (val.items as string[]);
      if (meta.breaks && items.length > 0) items = items.slice();
    } else if (val instanceof GoMap) {
      keys = val.keys();
      items = keys.map((k) => val.mapIndex(k));
    } else if (val === undefined) {
      items = EMPTY;
    } else {
      return exec.errorf(`range can't iterate over ${printOne(val as Exclude<GoValue, undefined | Iface>)}`);
    }
    s.loops[id] = { items, keys, broken: false, skipped: false };
    return items;
  } catch (e) {
    return s.fail(e);
  }
}

/** Start of one iteration: bind range variables, account for work; false once broken. */
function __it(this: Ctx, id: number, i: number, elem: GoValue): boolean {
  const s = state(this);
  try {
    const loop = s.loops[id]!;
    if (loop.broken) return false;
    loop.skipped = false;
    const meta = s.ranges.get(id)!;
    s.budget.tick(meta.bodyText);
    if (meta.elemSlot >= 0) s.exec.vars[meta.elemSlot] = elem;
    if (meta.keySlot >= 0) s.exec.vars[meta.keySlot] = loop.keys ? loop.keys[i] : BigInt(i);
    if (meta.elemSlot === -2 || meta.keySlot === -2) s.exec.errorf('range variables outside the variable stack');
    return true;
  } catch (e) {
    return s.fail(e);
  }
}

function __brk(this: Ctx, id: number): string {
  const loop = state(this).loops[id]!;
  loop.broken = true;
  // Later iterations are skipped by __it; cutting the (private) copy short ends the loop early.
  if (loop.items.length > 0 && loop.items !== EMPTY) loop.items.length = 0;
  return '';
}

function __cnt(this: Ctx, id: number): string {
  state(this).loops[id]!.skipped = true;
  return '';
}

function __on(this: Ctx, id: number): boolean {
  const loop = state(this).loops[id]!;
  return !loop.broken && !loop.skipped;
}

/** Globals installed in the Go dialect's private nunjucks Environment. */
export const GO_RUNTIME_GLOBALS: Record<string, unknown> = { __pd, __a, __if, __with, __t, __rng, __it, __brk, __cnt, __on };
