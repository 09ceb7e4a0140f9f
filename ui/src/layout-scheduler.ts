/**
 * When the graph is laid out again. A change of shape (a Task came or went, or its
 * dependencies changed) marks the layout due; it is sent once the stream pauses (`quietMs`,
 * at most `maxWaitMs` after the first change), so that a snapshot arriving in chunks is laid
 * out once. At most one layout runs at a time, and what is due is not a queue of shapes but a
 * mark: the shape is read when it is sent, so however many changes come during a layout, the
 * next one lays out the latest shape. Answers are numbered; one that is not the answer awaited
 * — older than what is drawn — is dropped, never drawn over a newer one.
 */
import type { GraphShape, LayoutAnswer, LayoutRequest, Placed } from './shape.js';

export interface Clock {
  now(): number;
  setTimeout(run: () => void, ms: number): ReturnType<typeof setTimeout>;
  clearTimeout(timer: ReturnType<typeof setTimeout> | undefined): void;
}

/**
 * - `idle`: nothing to lay out;
 * - `settling`: the shape changed, waiting for the stream to pause;
 * - `running`: a layout runs, of the latest shape;
 * - `running, changed`: a layout runs and the shape changed since (the stream not paused yet);
 * - `running, next due`: and the next layout, of the latest shape, goes when it answers.
 */
export type LayoutState = 'idle' | 'settling' | 'running' | 'running, changed' | 'running, next due';

export interface LayoutSchedulerOptions {
  /** Sends a request to the layout (layout-thread.ts); its answer comes back to `answered`. */
  run(request: LayoutRequest): void;
  /** The graph's shape as the page knows it now. */
  shape(): GraphShape;
  /** `ms`: from sending the shape to its answer. */
  onPlaced(placed: Placed, ms: number): void;
  onFailed(message: string): void;
  /** `state` changed. */
  onState(): void;
  quietMs: number;
  maxWaitMs: number;
  clock?: Clock;
}

const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (timer) => clearTimeout(timer),
};

export class LayoutScheduler {
  private readonly clock: Clock;
  private generation = 0;
  private running: { generation: number; sentAt: number } | null = null;
  /** The shape changed since the last one sent. */
  private changed = false;
  /** The stream paused (or waited long enough): what changed may be sent. */
  private settled = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private firstChangeAt: number | null = null;

  constructor(private readonly options: LayoutSchedulerOptions) {
    this.clock = options.clock ?? realClock;
  }

  /** A layout is running or due. */
  get busy(): boolean {
    return this.changed || this.running !== null;
  }

  get state(): LayoutState {
    if (!this.running) return this.changed ? 'settling' : 'idle';
    return this.changed ? (this.settled ? 'running, next due' : 'running, changed') : 'running';
  }

  /** The graph's shape changed. */
  invalidate(): void {
    const now = this.clock.now();
    this.changed = true;
    this.settled = false;
    this.firstChangeAt ??= now;
    this.clock.clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.options.quietMs, this.firstChangeAt + this.options.maxWaitMs - now));
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.settled = true;
      this.send();
      this.options.onState();
    }, wait);
    this.options.onState();
  }

  answered(answer: LayoutAnswer): void {
    if (!this.running || answer.generation !== this.running.generation) return;
    const ms = this.clock.now() - this.running.sentAt;
    this.running = null;
    if ('error' in answer) this.options.onFailed(answer.error);
    else this.options.onPlaced(answer.placed, ms);
    this.send();
    this.options.onState();
  }

  private send(): void {
    if (!this.changed || !this.settled || this.running) return;
    this.changed = false;
    this.settled = false;
    this.firstChangeAt = null;
    this.running = { generation: ++this.generation, sentAt: this.clock.now() };
    this.options.run({ generation: this.running.generation, shape: this.options.shape() });
  }
}
