/**
 * One render's budget. Rendering is synchronous, so the budget is checked cooperatively: the
 * compiled template reports loop iterations and written text, builtins and filters report the
 * values they build and the work they do, and a breach throws at that point.
 */
import { callDepthLimitError, outputLimitError, producedLimitError, timeLimitError, valueLimitError } from './limit-errors.js';
import type { RenderLimits } from './limits.js';

/** How often (in ticks) the clock is read; reading it every tick would dominate tight loops. */
const CLOCK_EVERY = 32;
/** Units of work (UTF-16 units scanned or built) after which the clock is read regardless. */
const WORK_EVERY = 1 << 16;

export class Budget {
  private readonly deadline: number;
  /** UTF-16 units written so far: a lower bound of the UTF-8 size. */
  private written = 0;
  /** Units of values built so far (see RenderLimits.maxValueBytes). */
  private produced = 0;
  private work = 0;
  private ticks = 0;
  /** Macro calls in progress (nunjucks). */
  private calls = 0;

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

  /**
   * A value of `units` an operation builds: called before building when the size is known in
   * advance, else right after (then the operation must not build more than a small constant
   * factor of values already accounted for).
   */
  produce(units: number): void {
    if (units > this.limits.maxValueBytes) throw valueLimitError(this.limits);
    this.produced += units;
    if (this.produced > this.limits.maxProducedBytes) throw producedLimitError(this.limits);
    this.spend(units);
  }

  /** Check a size before building, without accounting for it (produce() follows). */
  fits(units: number): void {
    if (units > this.limits.maxValueBytes) throw valueLimitError(this.limits);
  }

  /** Work proportional to `units` (input scanned, output built): keeps the clock honest. */
  spend(units: number): void {
    this.work += units;
    if (this.work >= WORK_EVERY) {
      this.work = 0;
      this.checkClock();
    } else if (++this.ticks % CLOCK_EVERY === 0) this.checkClock();
  }

  /** A macro call starts; its end is reported by `leave`. */
  enter(): void {
    if (++this.calls > this.limits.maxDepth) throw callDepthLimitError(this.limits);
    if (++this.ticks % CLOCK_EVERY === 0) this.checkClock();
  }

  leave(): void {
    this.calls--;
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
