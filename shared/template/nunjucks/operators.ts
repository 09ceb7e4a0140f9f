/**
 * `~` and `+`, which the sandbox turns into calls (nunjucks compiles them to JavaScript `+`):
 * the operands' texts are measured and the result checked against the value limit before it
 * is built.
 */
import type { Budget } from '../budget.js';
import { joinText, toText } from './values.js';

/** `a ~ b ~ …`: the operands' texts, concatenated. */
export function concatText(b: Budget, parts: readonly unknown[]): string {
  const texts = parts.map(toText);
  let n = 0;
  for (const t of texts) n += t.length;
  b.produce(n);
  return texts.join('');
}

/** `x + y` with JavaScript's meaning: numbers add, and a string on either side concatenates. */
export function plus(b: Budget, x: unknown, y: unknown): unknown {
  if (typeof x === 'number' && typeof y === 'number') return x + y;
  const px = Array.isArray(x) ? joinText(x, ',') : x;
  const py = Array.isArray(y) ? joinText(y, ',') : y;
  if (typeof px === 'string' && typeof py === 'string') {
    b.produce(px.length + py.length);
    return px + py;
  }
  // Other objects (marked-safe strings, dicts) convert themselves; operands are values already
  // accounted for, so the result is at most their sum: checked after.
  const out = (px as number) + (py as number);
  if (typeof out === 'string') b.produce((out as string).length);
  return out;
}

/**
 * `a + b + c …` left to right, as JavaScript evaluates a chain; once the sum is a string the
 * rest is concatenated in one go (and accounted for once).
 */
export function plusAll(b: Budget, operands: readonly unknown[]): unknown {
  let acc = operands[0];
  let i = 1;
  for (; i < operands.length && typeof acc !== 'string'; i++) acc = plus(b, acc, operands[i]);
  return i < operands.length ? concatText(b, [acc, ...operands.slice(i)]) : acc;
}
