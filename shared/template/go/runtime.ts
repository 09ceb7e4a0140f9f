/**
 * The functions a compiled Go template calls from nunjucks. nunjucks invokes globals with
 * `this` bound to its render Context, whose `ctx.__s` is the per-render state; keeping them as
 * plain module functions avoids allocating closures per render.
 */
import type { ActionNode, BranchNode, Node } from './ast.js';
import { Exec, VarInfo } from './exec.js';
import { truth } from './values.js';
import type { RangeMeta } from './compile.js';
import { BAIL, Fast } from './fastpath.js';
import { printOne } from './fmt.js';
import { GoMap, GoSlice, GoValue, Iface, indirectInterface } from './values.js';
import type { Budget } from '../budget.js';

interface LoopState {
  items: unknown[];
  keys: string[] | null;
  broken: boolean;
  skipped: boolean;
}

/** What a render needs from the compiled template. */
export interface GoProgram {
  name: string;
  text: string;
  info: VarInfo;
  nodes: Node[];
  ranges: (RangeMeta | undefined)[];
  fast: (Fast | undefined)[];
  slotCount: number;
}

export class GoRenderState {
  /** State of ranges that need per-iteration work, by range node id. */
  readonly loops: (LoopState | undefined)[] = [];
  readonly vars: GoValue[];
  error: unknown = undefined;
  private execCache: Exec | null = null;

  constructor(
    readonly program: GoProgram,
    root: GoValue,
    readonly budget: Budget,
  ) {
    this.vars = new Array<GoValue>(program.slotCount);
    this.vars[0] = root;
  }

  /** Go's general evaluator, created only when a fast path does not apply. */
  get exec(): Exec {
    return (this.execCache ??= new Exec(this.program.name, this.program.text, this.program.info, this.vars, this.budget));
  }

  /** The pipeline's value: the fast path when it applies, else Go's full evaluation. */
  eval(node: ActionNode | BranchNode, dot: GoValue): GoValue {
    const f = this.program.fast[node.id];
    if (f !== undefined) {
      const v = f(dot, this.vars);
      if (v !== BAIL) return v;
    }
    this.exec.at(node);
    return this.exec.evalPipeline(dot, node.pipe);
  }

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
    const node = s.program.nodes[id] as ActionNode;
    const v = s.eval(node, dot);
    if (node.pipe.decl.length > 0) return '';
    const out = typeof v === 'string' ? v : s.exec.printValue(v);
    s.budget.wrote(out.length);
    return out;
  } catch (e) {
    return s.fail(e);
  }
}

function __if(this: Ctx, id: number, dot: GoValue): boolean {
  const s = state(this);
  try {
    return truth(s.eval(s.program.nodes[id] as BranchNode, dot));
  } catch (e) {
    return s.fail(e);
  }
}

function __with(this: Ctx, id: number, dot: GoValue): GoValue {
  const s = state(this);
  try {
    return s.eval(s.program.nodes[id] as BranchNode, dot);
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
    const node = s.program.nodes[id] as BranchNode;
    const exec = s.exec;
    const val = indirectInterface(s.eval(node, dot));
    const meta = s.program.ranges[id]!;
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
      // Re-run Go's evaluation so the error names the node Go would be at.
      exec.at(node);
      exec.evalPipeline(dot, node.pipe);
      return exec.errorf(`range can't iterate over ${printOne(val as Exclude<GoValue, undefined | Iface>)}`);
    }
    if (meta.simple) {
      // No per-iteration call: charge the whole loop now (literal text plus the printed dots).
      let units = items.length * meta.bodyText;
      if (meta.dotPrints > 0) {
        for (const it of items) units += meta.dotPrints * (typeof it === 'string' ? it.length : String(it).length);
      }
      s.budget.tick(units);
    } else s.loops[id] = { items, keys, broken: false, skipped: false };
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
    const meta = s.program.ranges[id]!;
    s.budget.tick(meta.bodyText);
    if (meta.elemSlot >= 0) s.vars[meta.elemSlot] = elem;
    if (meta.keySlot >= 0) s.vars[meta.keySlot] = loop.keys ? loop.keys[i] : BigInt(i);
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
