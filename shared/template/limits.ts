/**
 * Render budgets. Rendering is synchronous, so the budget is checked cooperatively: compiled
 * templates report loop iterations and written text, and a breach throws at that point.
 */
import { TemplateError } from './errors.js';

export interface RenderLimits {
  /** Wall-clock budget for one render. */
  timeoutMs: number;
  /** Largest rendered prompt, in UTF-8 bytes. */
  maxOutputBytes: number;
}

export const DEFAULT_RENDER_LIMITS: RenderLimits = Object.freeze({ timeoutMs: 1000, maxOutputBytes: 256 * 1024 });

export function resolveLimits(limits?: Partial<RenderLimits>): RenderLimits {
  if (limits === undefined) return DEFAULT_RENDER_LIMITS;
  const timeoutMs = limits?.timeoutMs ?? DEFAULT_RENDER_LIMITS.timeoutMs;
  const maxOutputBytes = limits?.maxOutputBytes ?? DEFAULT_RENDER_LIMITS.maxOutputBytes;
  if (!(timeoutMs > 0) || !(maxOutputBytes >= 0)) {
    throw new RangeError(`invalid render limits: timeoutMs=${timeoutMs}, maxOutputBytes=${maxOutputBytes}`);
  }
  return { timeoutMs, maxOutputBytes };
}

/** How often (in ticks) the clock is read; reading it every tick would dominate tight loops. */
const CLOCK_EVERY = 32;

export class Budget {
  private readonly deadline: number;
  /** UTF-16 units written so far: a lower bound of the UTF-8 size. */
  private written = 0;
  private ticks = 0;

  constructor(
    readonly limits: RenderLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.deadline = now() + limits.timeoutMs;
  }

  /** Account for `units` UTF-16 units of output. */
  wrote(units: number): void {
    this.written += units;
    if (this.written > this.limits.maxOutputBytes) throw outputLimitError(this.limits);
    if (++this.ticks % CLOCK_EVERY === 0) this.checkClock();
  }

  /** One unit of work (a loop iteration) that also writes at least `units` of literal text. */
  tick(units: number): void {
    this.written += units;
    if (this.written > this.limits.maxOutputBytes) throw outputLimitError(this.limits);
    if (++this.ticks % CLOCK_EVERY === 0) this.checkClock();
  }

  checkClock(): void {
    if (this.now() > this.deadline) throw timeLimitError(this.limits);
  }

  /** Exact check of the finished output (a UTF-16 unit is at most 3 UTF-8 bytes). */
  checkOutput(out: string): void {
    const max = this.limits.maxOutputBytes;
    if (out.length * 3 <= max) return;
    if (out.length > max || Buffer.byteLength(out, 'utf8') > max) throw outputLimitError(this.limits);
  }
}

export function outputLimitError(l: RenderLimits): TemplateError {
  return new TemplateError(`rendered prompt exceeds the output limit of ${l.maxOutputBytes} bytes`, 'limit');
}

export function timeLimitError(l: RenderLimits): TemplateError {
  return new TemplateError(`rendering the prompt took longer than the time limit of ${l.timeoutMs} ms`, 'limit');
}
