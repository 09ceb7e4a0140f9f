/**
 * The string and array methods a template may call (sandbox.ts lists them), bounded. Those
 * that can build more than their receiver — concat, replace/replaceAll (a `$'` in the
 * replacement inserts the rest of the string, per match), split, join, case mapping — have
 * the size of their result checked before it is built, or right after when it is at most a
 * small multiple of values already accounted for (case mapping: 3 units per unit).
 */
import type { Budget } from '../budget.js';
import { valueLimitError } from '../limit-errors.js';
import { ELEMENT_UNITS } from '../limits.js';
import { adopt, arrayUnits, joinText, toText } from './values.js';

type Method = (...args: unknown[]) => unknown;

/** Call `obj[name]` (already allowed by the sandbox) with its result accounted for. */
export function callMethod(b: Budget, obj: object | string, name: string, fn: Method, args: unknown[]): unknown {
  if (typeof obj === 'string') return stringMethod(b, obj, name, fn, args);
  if (Array.isArray(obj)) return arrayMethod(b, obj, name, fn, args);
  return fn.apply(obj, args);
}

function stringMethod(b: Budget, s: string, name: string, fn: Method, args: unknown[]): unknown {
  b.spend(s.length);
  switch (name) {
    case 'concat': {
      const parts = args.map(toText);
      let n = s.length;
      for (const p of parts) n += p.length;
      b.produce(n);
      return s.concat(...parts);
    }
    case 'replace':
    case 'replaceAll': {
      const pattern = toText(args[0]);
      const replacement = toText(args[1]);
      b.produce(replacedLength(s, pattern, replacement, name === 'replaceAll'));
      return name === 'replace' ? s.replace(pattern, replacement) : s.replaceAll(pattern, replacement);
    }
    case 'split':
      return split(b, s, args);
    case 'toUpperCase':
    case 'toLowerCase': {
      const out = fn.apply(s, args) as string;
      if (out !== s) b.produce(out.length);
      return out;
    }
  }
  // The rest (slice, trim, indexOf, …) return parts of the string or facts about it.
  return fn.apply(s, args);
}

function arrayMethod(b: Budget, a: unknown[], name: string, fn: Method, args: unknown[]): unknown {
  b.spend(a.length);
  switch (name) {
    case 'join':
      return joinText(a, args[0] === undefined ? ',' : toText(args[0]));
    case 'concat': {
      let n = a.length;
      for (const x of args) n += Array.isArray(x) ? x.length : 1;
      b.produce(n * ELEMENT_UNITS);
      return adopt(fn.apply(a, args) as unknown[]);
    }
    case 'slice': {
      const out = adopt(fn.apply(a, args) as unknown[]);
      b.produce(arrayUnits(out));
      return out;
    }
  }
  return fn.apply(a, args);
}

/** String.prototype.split, the number of parts capped at what the value limit admits. */
function split(b: Budget, s: string, args: unknown[]): unknown[] {
  const cap = Math.floor(b.limits.maxValueBytes / ELEMENT_UNITS);
  const sep = args[0] === undefined ? undefined : toText(args[0]);
  const asked = args[1] === undefined ? Infinity : Number(args[1]) >>> 0;
  const parts = s.split(sep as string, Math.min(asked, cap + 1));
  if (parts.length > cap) throw valueLimitError(b.limits);
  b.produce(arrayUnits(parts));
  return adopt(parts);
}

/**
 * The length of `s.replace(pattern, replacement)` (or replaceAll) for string arguments, from
 * the spec's GetSubstitution: "$$" is "$", "$&" the match, "$`" what precedes it, "$'" what
 * follows it; anything else after "$" is literal (a string pattern has no capture groups).
 */
export function replacedLength(s: string, pattern: string, replacement: string, all: boolean): number {
  let literal = 0;
  let matches = 0;
  let before = 0;
  let after = 0;
  for (let i = 0; i < replacement.length; i++) {
    const next = replacement[i] === '$' ? replacement[i + 1] : undefined;
    if (next === '$') literal++;
    else if (next === '&') matches++;
    else if (next === '`') before++;
    else if (next === "'") after++;
    else {
      literal++;
      continue;
    }
    i++;
  }
  const m = pattern.length;
  let length = s.length;
  for (let pos = s.indexOf(pattern); pos >= 0; pos = all ? s.indexOf(pattern, pos + Math.max(m, 1)) : -1) {
    length += literal + matches * m + before * pos + after * (s.length - pos - m) - m;
    if (pos >= s.length) break; // an empty pattern also matches at the end, once
  }
  return length;
}
