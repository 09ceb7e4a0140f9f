/**
 * nunjucks's builtin filters, bounded:
 *  - every filter reports the value it builds (a string or array that is not one of its
 *    inputs), and arrays it returns become TemplateArrays (values.ts);
 *  - filters whose output can outgrow their input by more than a small factor check the size
 *    before building: center, indent, replace, join, sum, batch, slice, list, dump, range-like
 *    loops over an object's `length` (a dict literal can claim any length);
 *  - trim and striptags, whose regular expressions backtrack quadratically, run in linear time.
 * The rest (escape, upper, urlize, …) grow their input at most a small constant factor, and
 * are checked right after.
 */
import type { Budget } from '../budget.js';
import { TemplateError } from '../errors.js';
import { valueDepthLimitError, valueLimitError } from '../limit-errors.js';
import { ELEMENT_UNITS } from '../limits.js';
import { njkRuntime } from './internals.js';
import type { Ctx } from './state.js';
import { stripTagsText, trimText } from './strip.js';
import { adopt, arrayUnits, joinText, toText } from './values.js';
import { plus } from './operators.js';

export type Filter = (this: Ctx, ...args: unknown[]) => unknown;

const { SafeString, copySafeness } = njkRuntime;

/** Filters that return one of their inputs (or a number): nothing built. */
const PICKS = new Set(['abs', 'default', 'd', 'first', 'last', 'random', 'length', 'wordcount', 'round', 'float', 'int']);

/** Filters that loop over their first argument's `length` (or its characters) building an array. */
const LOOPS_OVER_LENGTH = new Set(['batch', 'slice', 'reverse', 'sort', 'select', 'reject', 'groupby', 'list', 'join', 'sum']);

/** Filters whose arrays hold fresh arrays of their own. */
const NESTED_RESULTS = new Set(['batch', 'slice', 'dictsort']);

function normalize(v: unknown, d: unknown): unknown {
  return v === null || v === undefined || v === false ? d : v;
}

function isText(v: unknown): v is string | { val: string } {
  return typeof v === 'string' || v instanceof SafeString;
}

/** What iterating over `v` by its length would touch. */
function lengthOf(v: unknown): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (typeof v === 'object' && v !== null) {
    const n = Number((v as { length?: unknown }).length);
    return Number.isFinite(n) && n > 0 ? n : 0;
  }
  return 0;
}

/** Account for what a filter returned. */
function built(name: string, out: unknown, input: unknown, b: Budget): unknown {
  if (out === input || PICKS.has(name)) return out;
  if (typeof out === 'string') b.produce(out.length);
  else if (out instanceof SafeString) b.produce(out.length);
  else if (Array.isArray(out)) {
    adopt(out);
    if (NESTED_RESULTS.has(name)) for (const x of out) if (Array.isArray(x)) adopt(x);
    b.produce(arrayUnits(out));
  } else if (name === 'groupby' && typeof out === 'object' && out !== null) {
    let n = 0;
    for (const v of Object.values(out)) if (Array.isArray(v)) n += adopt(v).length;
    b.produce(n * ELEMENT_UNITS);
  }
  return out;
}

/** Size checks made before a filter runs (the sizes its arguments ask for). */
function precheck(name: string, args: unknown[], b: Budget): void {
  const [a0, a1, a2] = args;
  if (LOOPS_OVER_LENGTH.has(name) && !Array.isArray(a0)) b.fits(lengthOf(a0) * ELEMENT_UNITS);
  switch (name) {
    case 'center':
      return b.fits(Number(a1) || 80);
    case 'indent': {
      const s = normalize(a0, '');
      if (isText(s)) b.fits(String(s).length + lines(String(s)) * (Number(a1) || 4));
      return;
    }
    case 'batch':
      return b.fits((lengthOf(a0) + (a2 ? Math.max(0, Number(a1) || 0) : 0)) * ELEMENT_UNITS);
    case 'slice':
      return b.fits((lengthOf(a0) + 2 * Math.max(0, Number(a1) || 0)) * ELEMENT_UNITS);
  }
}

function lines(s: string): number {
  let n = 1;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** The filters that are reimplemented, not just wrapped; each keeps nunjucks's semantics. */
function replacements(original: Record<string, Filter>): Record<string, Filter> {
  return {
    trim(str) {
      if (typeof str === 'string') return trimText(str);
      if (str instanceof SafeString) return copySafeness(str, trimText(str.val));
      return original.trim!.call(this, str);
    },
    striptags(input, preserveLinebreaks) {
      const s = normalize(input, '');
      if (!isText(s)) return original.striptags!.call(this, input, preserveLinebreaks);
      return copySafeness(s, stripTagsText(String(s), preserveLinebreaks));
    },
    join(arr, del, attr) {
      if (!Array.isArray(arr)) return original.join!.call(this, arr, del, attr);
      const items = attr ? arr.map((v: Record<string, unknown>) => v[attr as string]) : arr;
      return joinText(items, toText(del || ''));
    },
    sum(arr, attr, start = 0) {
      if (!Array.isArray(arr)) return original.sum!.call(this, arr, attr, start);
      const b = this.ctx.__s.budget;
      let total: unknown = 0;
      for (const v of arr) total = plus(b, total, attr ? (v as Record<string, unknown>)[attr as string] : v);
      return plus(b, start, total);
    },
    replace(str, old, new_, maxCount) {
      const b = this.ctx.__s.budget;
      const subject = typeof str === 'number' ? String(str) : str;
      const pattern = typeof old === 'number' ? String(old) : old;
      if (typeof pattern !== 'string' || !isText(subject)) return original.replace!.call(this, str, old, new_, maxCount);
      const replacement = toText(new_);
      b.fits(replacedSize(String(subject), pattern, replacement, maxCount === undefined ? -1 : Number(maxCount)));
      return original.replace!.call(this, str, old, replacement, maxCount);
    },
    dump(obj, spaces) {
      return JSON.stringify(obj, boundedReplacer(this.ctx.__s.budget, gapLength(spaces)), spaces as never);
    },
  };
}

/** The length of nunjucks's replace filter result (its own loop, counting instead of building). */
function replacedSize(s: string, old: string, replacement: string, maxCount: number): number {
  if (old === '') return (s.length + 1) * replacement.length + s.length;
  let count = 0;
  for (let i = s.indexOf(old); i >= 0 && (maxCount === -1 || count < maxCount); i = s.indexOf(old, i + old.length)) count++;
  if (maxCount === 0) count = 0;
  return s.length + count * (replacement.length - old.length);
}

/** JSON.stringify's indentation per level for its `space` argument. */
function gapLength(spaces: unknown): number {
  if (typeof spaces === 'number') return Math.max(0, Math.min(10, Math.trunc(spaces)));
  if (typeof spaces === 'string') return Math.min(10, spaces.length);
  return 0;
}

/**
 * A JSON.stringify replacer that adds up a lower bound of the output as it goes (so nothing
 * that would fit is refused) and stops past the value limit: an array holding another twice,
 * k levels deep, would otherwise print 2^k times. `this` is the holder; the stack holds the
 * objects being serialized, outermost first, so its height is the current depth.
 */
function boundedReplacer(b: Budget, gap: number): (this: unknown, key: string, value: unknown) => unknown {
  const stack: unknown[] = [];
  let units = 0;
  return function (this: unknown, key: string, value: unknown): unknown {
    while (stack.length > 0 && stack[stack.length - 1] !== this) stack.pop();
    const depth = stack.length;
    if (depth > b.limits.maxDepth) throw valueDepthLimitError(b.limits);
    const shown = value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
    const size = 1 + gap * depth + (typeof value === 'string' ? value.length : 0) + (shown && !Array.isArray(this) ? key.length : 0);
    units += size;
    b.spend(size);
    if (units > b.limits.maxValueBytes) throw valueLimitError(b.limits);
    if (typeof value === 'object' && value !== null) stack.push(value);
    return value;
  };
}

/** Every builtin filter, bounded; `original` is nunjucks's own set, read before any is replaced. */
export function boundedFilters(original: Record<string, Filter>): Record<string, Filter> {
  const own = replacements(original);
  const out: Record<string, Filter> = {};
  for (const [name, f] of Object.entries(original)) {
    const impl = own[name] ?? f;
    out[name] = function (this: Ctx, ...args: unknown[]): unknown {
      const s = this.ctx.__s;
      try {
        s.budget.spend(lengthOf(args[0]));
        precheck(name, args, s.budget);
        return built(name, impl.apply(this, args), args[0], s.budget);
      } catch (e) {
        if (e instanceof TemplateError) return s.fail(e);
        throw e;
      }
    };
  }
  return out;
}
