/**
 * Where the layout runs: in a dedicated module worker (layout-worker.js), so that the page
 * stays responsive for the seconds a large DAG takes. When the browser gives the page no
 * worker — no Worker at all, or the worker cannot be started or fails to load — the layout
 * falls back to the page's main thread (the page then freezes while it runs, as it did before
 * the worker): the same layout.js, imported on first need, so the page's own bundle never
 * carries dagre.
 */
import type { LayoutAnswer, LayoutRequest } from './shape.js';

type LayoutModule = typeof import('./layout.js');

export type LayoutPlace = 'worker' | 'main thread';

export interface LayoutThreadOptions {
  /** dist/ui/layout-worker.js and dist/ui/layout.js, beside the page's bundle. */
  workerUrl: URL;
  moduleUrl: URL;
  onAnswer(answer: LayoutAnswer): void;
  /** The layout moved to the main thread, and why (called once, asynchronously). */
  onFallback(reason: string): void;
}

export class LayoutThread {
  private worker: Worker | null = null;
  private fellBack = false;
  private module: Promise<LayoutModule> | null = null;
  /** The request sent and not answered yet: run again on the main thread if the worker fails. */
  private unanswered: LayoutRequest | null = null;

  constructor(private readonly options: LayoutThreadOptions) {
    if (typeof Worker === 'undefined') {
      this.fallBack('this browser has no Web Workers');
      return;
    }
    try {
      // Started at once, before any shape: it loads its module while the snapshot arrives.
      const worker = new Worker(options.workerUrl, { type: 'module', name: 'dendrite-layout' });
      worker.addEventListener('message', (event: MessageEvent<LayoutAnswer>) => this.answered(event.data));
      // A worker that fails to load (or dies) says only "error": the page lays out itself.
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        this.fallBack(`the layout worker failed${event.message ? `: ${event.message}` : ''}`);
      });
      worker.addEventListener('messageerror', () => this.fallBack('the layout worker’s answer could not be read'));
      this.worker = worker;
    } catch (err) {
      this.fallBack(`the layout worker could not be started: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  get place(): LayoutPlace {
    return this.worker ? 'worker' : 'main thread';
  }

  /** Lays out one request; its answer comes to onAnswer. The caller sends one at a time. */
  run(request: LayoutRequest): void {
    this.unanswered = request;
    if (this.worker) this.worker.postMessage(request);
    else void this.runHere(request);
  }

  private answered(answer: LayoutAnswer): void {
    if (this.unanswered?.generation === answer.generation) this.unanswered = null;
    this.options.onAnswer(answer);
  }

  private fallBack(reason: string): void {
    if (this.fellBack) return;
    this.fellBack = true;
    this.worker?.terminate();
    this.worker = null;
    // Later, never from inside the constructor: the page has not finished wiring the thread then.
    queueMicrotask(() => this.options.onFallback(reason));
    if (this.unanswered) void this.runHere(this.unanswered);
  }

  private async runHere(request: LayoutRequest): Promise<void> {
    let answer: LayoutAnswer;
    try {
      this.module ??= import(this.options.moduleUrl.href) as Promise<LayoutModule>;
      const { layoutShape } = await this.module;
      // A task of its own, after the next paint: the page shows what it is doing before it freezes.
      await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
      answer = { generation: request.generation, placed: layoutShape(request.shape) };
    } catch (err) {
      answer = { generation: request.generation, error: err instanceof Error ? err.message : String(err) };
    }
    this.answered(answer);
  }
}
