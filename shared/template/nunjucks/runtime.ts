/**
 * Runtime half of the nunjucks sandbox: the functions the rewritten template calls (member
 * access, loop and macro accounting, output, `~`/`+`, array literals, captures) and a bounded
 * `range`. nunjucks calls globals with `this` bound to its Context (see state.ts).
 */
import { TemplateError } from '../errors.js';
import { ELEMENT_UNITS } from '../limits.js';
import { callMethod } from './methods.js';
import { concatText, plus, plusAll } from './operators.js';
import { ARRAY_METHODS, CYCLER_METHODS, deniedName, STRING_METHODS } from './sandbox.js';
import type { Ctx, NunjucksRenderState } from './state.js';
import { adopt, arrayUnits, TemplateArray, toText } from './values.js';

export { NunjucksRenderState } from './state.js';

/** A sandbox refusal at run time; the engine adds the position nunjucks knows. */
export class SandboxRefusal extends TemplateError {
  constructor(readonly reason: string) {
    super(`template: prompt: ${reason}`, 'execute');
  }
}

function refuse(s: NunjucksRenderState, msg: string): never {
  return s.fail(new SandboxRefusal(msg));
}

/** Run `f`; our own errors are recorded (nunjucks rethrows them wrapped). */
function guarded<T>(s: NunjucksRenderState, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TemplateError) return s.fail(e);
    throw e;
  }
}

function isCycler(o: object): boolean {
  return typeof (o as { next?: unknown }).next === 'function' && 'current' in o && typeof (o as { reset?: unknown }).reset === 'function';
}

/** Member access `obj[key]` with the sandbox's rules; mirrors runtime.memberLookup otherwise. */
function __lk(this: Ctx, obj: unknown, key: unknown): unknown {
  if (obj === undefined || obj === null) return undefined;
  const s = this.ctx.__s;
  let k: string | number;
  if (typeof key === 'number') k = key;
  else if (typeof key === 'string') k = key;
  else if (typeof key === 'symbol') return refuse(s, 'symbol keys are not allowed');
  else k = guarded(s, () => toText(key));
  if (typeof k === 'string' && deniedName(k)) return refuse(s, `access to "${k}" is not allowed in templates`);
  const target = obj as Record<string | number, unknown>;
  const v = target[k];
  if (typeof v !== 'function') return v;
  const name = String(k);
  const allowed =
    typeof obj === 'string'
      ? STRING_METHODS.has(name)
      : Array.isArray(obj)
        ? ARRAY_METHODS.has(name)
        : typeof obj === 'object' && isCycler(obj)
          ? CYCLER_METHODS.has(name)
          : false;
  if (!allowed) return refuse(s, `calling "${name}" is not allowed in templates`);
  return (...args: unknown[]) => {
    if ((name === 'replace' || name === 'replaceAll' || name === 'split') && args.some((a) => typeof a === 'function')) {
      return refuse(s, `"${name}" takes only string arguments in templates`);
    }
    return guarded(s, () => callMethod(s.budget, obj as object | string, name, v as (...a: unknown[]) => unknown, args));
  };
}

/** One loop iteration, writing at least `units` of literal text. (Hot: no closure.) */
function __tk(this: Ctx, units: number): string {
  const s = this.ctx.__s;
  try {
    s.budget.tick(units);
  } catch (e) {
    return s.fail(e);
  }
  return '';
}

/** A macro call starts (depth, and at least `units` of literal text). */
function __mc(this: Ctx, units: number): string {
  const s = this.ctx.__s;
  guarded(s, () => {
    s.budget.enter();
    s.budget.tick(units);
  });
  return '';
}

/** A macro call ends. */
function __mx(this: Ctx): string {
  this.ctx.__s.budget.leave();
  return '';
}

/** What `{{ }}` is about to write, as text (nunjucks would convert it the same way), measured. */
function __out(this: Ctx, v: unknown): unknown {
  if (v === undefined || v === null) return v;
  const s = this.ctx.__s;
  try {
    const text = typeof v === 'string' ? v : toText(v);
    s.budget.wrote(text.length);
    return text;
  } catch (e) {
    if (e instanceof TemplateError) return s.fail(e);
    throw e;
  }
}

/** `a ~ b`. */
function __cat(this: Ctx, a: unknown, b: unknown): string {
  const s = this.ctx.__s;
  return guarded(s, () => concatText(s.budget, [a, b]));
}

/** `a ~ b ~ c …`, the operands in one array literal. */
function __cats(this: Ctx, parts: unknown[]): string {
  const s = this.ctx.__s;
  return guarded(s, () => concatText(s.budget, parts));
}

/** `a + b`. */
function __add(this: Ctx, a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  const s = this.ctx.__s;
  return guarded(s, () => plus(s.budget, a, b));
}

/** `a + b + c …`, the operands in one array literal. */
function __adds(this: Ctx, operands: unknown[]): unknown {
  const s = this.ctx.__s;
  return guarded(s, () => plusAll(s.budget, operands));
}

/** An array literal, made a TemplateArray. */
function __arr(this: Ctx, a: unknown[]): unknown[] {
  const s = this.ctx.__s;
  return guarded(s, () => {
    s.budget.produce(arrayUnits(a));
    return adopt(a);
  });
}

/** The text a `{% set x %}…{% endset %}` captured. */
function __val(this: Ctx, v: string): string {
  const s = this.ctx.__s;
  guarded(s, () => s.budget.produce(v.length));
  return v;
}

/** nunjucks's range(), its size checked before it is built. */
function range(this: Ctx, ...args: unknown[]): unknown[] {
  const s = this.ctx.__s;
  let [start, stop, step] = args.map(Number) as [number, number | undefined, number | undefined];
  if (args.length < 2) {
    stop = start;
    start = 0;
    step = 1;
  } else if (!step) step = 1;
  const end = stop!;
  const by = step!;
  const n = Math.max(0, Math.ceil((end - start) / by));
  // Non-numbers give no elements (nunjucks would loop forever on range("a", "b")).
  if (Number.isNaN(n)) return new TemplateArray();
  guarded(s, () => s.budget.produce(n * ELEMENT_UNITS));
  const arr = new TemplateArray<number>();
  for (let i = start, k = 0; (by > 0 ? i < end : i > end) && k <= n; i += by, k++) arr.push(i);
  return arr;
}

export const NUNJUCKS_RUNTIME_GLOBALS: Record<string, unknown> = {
  __lk,
  __tk,
  __mc,
  __mx,
  __out,
  __cat,
  __cats,
  __add,
  __adds,
  __arr,
  __val,
  range,
};
