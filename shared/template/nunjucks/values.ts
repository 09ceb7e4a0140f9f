/**
 * Arrays a nunjucks template holds, and the text of values. JavaScript turns arrays into text
 * implicitly in many places (`~`, comparisons, property keys, inside builtin filters), and an
 * array holding another one twice, k levels deep, has a text 2^k times its own size. So every
 * array a template can get hold of (literals, filter and method results, range()) is a
 * TemplateArray, whose text is built under the value limit of the render in progress.
 */
import type { Budget } from '../budget.js';
import { valueDepthLimitError, valueLimitError } from '../limit-errors.js';
import { ELEMENT_UNITS } from '../limits.js';

/** The budget of the render in progress (rendering is synchronous, so one at a time). */
let active: Budget | null = null;

/** Make `b` the budget implicit conversions charge; returns the previous one, to restore. */
export function activate(b: Budget | null): Budget | null {
  const prev = active;
  active = b;
  return prev;
}

export class TemplateArray<T = unknown> extends Array<T> {
  override toString(): string {
    return joinText(this, ',');
  }
  override join(separator?: string): string {
    return joinText(this, separator === undefined ? ',' : toText(separator));
  }
}

/** A fresh array made a TemplateArray in place (no copy); returned for chaining. */
export function adopt<T>(a: T[]): T[] {
  if (!(a instanceof TemplateArray)) Object.setPrototypeOf(a, TemplateArray.prototype);
  return a;
}

/** The value's text as `String(v)` gives it, but an array's is built within the limits. */
/**
 * V8 keeps a string built piece by piece (nunjucks' `center`, `+=` in a loop) as a rope, and
 * join() copies a rope without flattening it: a rope reused in a loop is walked again on every
 * use (0.8 ms a use for one of 64 Ki pieces). charCodeAt flattens it in place, once.
 */
function flattened(s: string): string {
  if (s.length > 1024) s.charCodeAt(0);
  return s;
}

export function toText(v: unknown): string {
  if (typeof v === 'string') return flattened(v);
  if (Array.isArray(v)) return joinText(v, ',');
  return String(v);
}

/** Array.prototype.join, nested arrays included, stopping at the value limit. */
export function joinText(a: readonly unknown[], sep: string): string {
  const b = active;
  if (b === null) return Array.prototype.join.call(a, sep);
  b.spend(a.length);
  if (a.length > 1 && (a.length - 1) * sep.length > b.limits.maxValueBytes) throw valueLimitError(b.limits);
  const out = { text: '' };
  appendJoined(out, a, sep, b, 0);
  b.produce(out.text.length);
  return out.text;
}

function appendJoined(out: { text: string }, a: readonly unknown[], sep: string, b: Budget, depth: number): void {
  if (depth > b.limits.maxDepth) throw valueDepthLimitError(b.limits);
  const max = b.limits.maxValueBytes;
  for (let i = 0; i < a.length; i++) {
    if (i > 0) out.text += sep;
    const v = a[i];
    if (typeof v === 'string') out.text += v;
    else if (Array.isArray(v)) appendJoined(out, v, ',', b, depth + 1);
    else if (v !== undefined && v !== null) out.text += String(v);
    if (out.text.length > max) throw valueLimitError(b.limits);
  }
}

/** Units of an array for the value limit. */
export function arrayUnits(a: readonly unknown[]): number {
  return a.length * ELEMENT_UNITS;
}
