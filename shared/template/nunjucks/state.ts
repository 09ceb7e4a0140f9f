/**
 * Per-render state of the nunjucks dialect. nunjucks calls globals and filters with `this`
 * bound to its Context, whose `ctx.__s` is this state.
 */
import type { Budget } from '../budget.js';

export class NunjucksRenderState {
  /** The first error a runtime function raised; nunjucks wraps what it rethrows. */
  error: unknown = undefined;
  constructor(readonly budget: Budget) {}
  fail(e: unknown): never {
    this.error ??= e;
    throw e;
  }
}

export interface Ctx {
  ctx: { __s: NunjucksRenderState };
}
