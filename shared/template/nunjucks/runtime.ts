/**
 * Runtime half of the nunjucks sandbox: the functions the rewritten template calls, and
 * budget-aware replacements for the globals and filters that could otherwise do unbounded work
 * in a single call. nunjucks calls globals and filters with `this` bound to its Context, whose
 * `ctx.__s` holds the per-render state.
 */
import { TemplateError } from '../errors.js';
import { Budget, outputLimitError } from '../limits.js';
import { ARRAY_METHODS, CYCLER_METHODS, deniedName, STRING_METHODS } from './sandbox.js';

export class NunjucksRenderState {
  error: unknown = undefined;
  constructor(readonly budget: Budget) {}
  fail(e: unknown): never {
    this.error = e;
    throw e;
  }
}

interface Ctx {
  ctx: { __s: NunjucksRenderState };
}

/** A sandbox refusal at run time; the engine adds the position nunjucks knows. */
export class SandboxRefusal extends TemplateError {
  constructor(readonly reason: string) {
    super(`template: prompt: ${reason}`, 'execute');
  }
}

function refuse(s: NunjucksRenderState, msg: string): never {
  return s.fail(new SandboxRefusal(msg));
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
  else k = String(key);
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
    const out = (v as (...a: unknown[]) => unknown).apply(obj, args);
    if (typeof out === 'string' && out.length > s.budget.limits.maxOutputBytes) return s.fail(outputLimitError(s.budget.limits));
    return out;
  };
}

/** One loop iteration or macro call, writing at least `units` of literal text. */
function __tk(this: Ctx, units: number): string {
  const s = this.ctx.__s;
  try {
    s.budget.tick(units);
  } catch (e) {
    return s.fail(e);
  }
  return '';
}

/** Measure a value `{{ }}` is about to write; returns it unchanged. */
function __out(this: Ctx, v: unknown): unknown {
  const s = this.ctx.__s;
  if (v === undefined || v === null) return v;
  const len = typeof v === 'string' ? v.length : String(v).length;
  try {
    s.budget.wrote(len);
  } catch (e) {
    return s.fail(e);
  }
  return v;
}

/** Upper bound on elements `range()` may produce before the loop over them even starts. */
const MAX_RANGE = 1_000_000;

function range(this: Ctx, start: number, stop?: number, step?: number): number[] {
  const s = this.ctx.__s;
  if (stop === undefined) {
    stop = start;
    start = 0;
    step = 1;
  } else if (!step) step = 1;
  const n = Math.ceil((Number(stop) - Number(start)) / Number(step));
  if (n > MAX_RANGE) return refuse(s, `range() of ${n} elements exceeds the limit of ${MAX_RANGE}`);
  const arr: number[] = [];
  if (step > 0) for (let i = start; i < stop; i += step) arr.push(i);
  else for (let i = start; i > stop; i += step) arr.push(i);
  return arr;
}

type Filter = (this: Ctx, ...args: unknown[]) => unknown;

/** Filters whose numeric argument sets how much work one call does get that size checked first. */
export function guardedFilters(original: Record<string, Filter>): Record<string, Filter> {
  const sizeGuard = (name: string, argIndex: number, scale: (args: unknown[]) => number): Filter => {
    const f = original[name]!;
    return function (this: Ctx, ...args: unknown[]) {
      const s = this.ctx.__s;
      const size = scale(args) * Number(args[argIndex] ?? 0);
      if (size > s.budget.limits.maxOutputBytes) s.fail(outputLimitError(s.budget.limits));
      return f.apply(this, args);
    };
  };
  const lines = (args: unknown[]): number => String(args[0] ?? '').split('\n').length;
  const one = (): number => 1;
  return {
    center: sizeGuard('center', 1, one),
    indent: sizeGuard('indent', 1, lines),
    batch: sizeGuard('batch', 1, one),
    slice: sizeGuard('slice', 1, one),
    replace: function (this: Ctx, ...args: unknown[]) {
      const s = this.ctx.__s;
      const [str, old, repl] = args;
      if (old === '' && String(str ?? '').length * (String(repl ?? '').length + 1) > s.budget.limits.maxOutputBytes) {
        s.fail(outputLimitError(s.budget.limits));
      }
      return original.replace!.apply(this, args);
    },
  };
}

export const NUNJUCKS_RUNTIME_GLOBALS: Record<string, unknown> = { __lk, __tk, __out, range };
