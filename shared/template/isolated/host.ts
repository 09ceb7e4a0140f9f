/**
 * Rendering in a separate process. Limits inside the engines are checked cooperatively; this is
 * what holds when one is missed: the render process has a bounded heap and is killed when a
 * render overruns its time, so the worst a template can do is end that process — reported as a
 * limit breach, the process started again for the next request.
 *
 * A worker thread is not enough: V8 aborts the whole process when an allocation inside one of
 * its own runtime functions (a global regexp replace, for one) exceeds a worker's heap limit.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { TransientError } from '../../errors.js';
import type { TemplateDialect } from '../../task/model.js';
import { TemplateError } from '../errors.js';
import { resolveLimits, type RenderLimits } from '../limits.js';
import { Lru } from '../lru.js';
import type { PromptRenderer, ReferencedDependencies, TemplateData } from '../renderer.js';
import { DEFAULT_RENDER_MEMORY_MB } from './defaults.js';
import type { ReadyMessage, RenderReply, RenderRequest } from './protocol.js';

export interface IsolatedRendererOptions {
  /** The render process's script (the compiled isolated/child.js, or its bundle). */
  entry: string | URL;
  /** Heap of the render process (V8 old space), MiB. */
  maxMemoryMb?: number;
  /** How long past a render's own time limit the process may run before it is killed. */
  graceMs?: number;
  /** How long the process may take to start. */
  startTimeoutMs?: number;
  /** Inspections remembered by template text. */
  cacheSize?: number;
  /** Told when the render process ends unasked, with what it printed last. */
  onProcessExit?: (info: { code: number | null; signal: NodeJS.Signals | null; stderr: string; cause: ExitCause }) => void;
}

export type ExitCause = 'timeout' | 'crash' | 'start-failure';

const DEFAULT_GRACE_MS = 250;
const DEFAULT_START_TIMEOUT_MS = 10_000;
/** A request whose render process crashes this many times is the template's doing. */
const CRASHES_BEFORE_BLAME = 2;
const STDERR_TAIL = 4096;

type Request = { op: 'inspect'; template: string; dialect: TemplateDialect; limits: RenderLimits } | {
  op: 'render';
  template: string;
  dialect: TemplateDialect;
  data: TemplateData;
  limits: RenderLimits;
};

interface Job {
  request: Request;
  resolve: (value: RenderReply) => void;
  reject: (err: unknown) => void;
  crashes: number;
}

interface RenderProcess {
  child: ChildProcess;
  ready: boolean;
  /** Settles when the process is ready or has ended. */
  started: Promise<void>;
  stderr: string;
  /** Why we ended it, when we did. */
  killedFor?: 'timeout' | 'close';
}

export function createIsolatedRenderer(options: IsolatedRendererOptions): PromptRenderer {
  return new IsolatedRenderer(options);
}

class IsolatedRenderer implements PromptRenderer {
  private readonly queue: Job[] = [];
  private current: Job | undefined;
  private timer: NodeJS.Timeout | undefined;
  private proc: RenderProcess | undefined;
  private closed = false;
  private nextId = 1;
  private readonly inspected: Lru<ReferencedDependencies | TemplateError>;
  private readonly maxMemoryMb: number;
  private readonly graceMs: number;
  private readonly startTimeoutMs: number;

  constructor(private readonly options: IsolatedRendererOptions) {
    this.maxMemoryMb = options.maxMemoryMb ?? DEFAULT_RENDER_MEMORY_MB;
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    this.startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    this.inspected = new Lru(options.cacheSize ?? 256);
  }

  async inspect(template: string, dialect: TemplateDialect, limits?: Partial<RenderLimits>): Promise<ReferencedDependencies> {
    const l = resolveLimits(limits);
    // Inspection depends only on the text and the limits: intake asks once per Task, often
    // for the same template (spawned Tasks share theirs).
    const key = `${dialect}\n${JSON.stringify(l)}\n${template}`;
    const known = this.inspected.get(key);
    if (known instanceof TemplateError) throw known;
    if (known) return known === 'all' ? known : [...known];
    let deps: ReferencedDependencies;
    try {
      const reply = await this.call({ op: 'inspect', template, dialect, limits: l });
      deps = (reply as { deps: ReferencedDependencies }).deps;
    } catch (err) {
      if (err instanceof TemplateError && err.stage !== 'limit') this.inspected.set(key, err);
      throw err;
    }
    this.inspected.set(key, deps);
    return deps === 'all' ? deps : [...deps];
  }

  async render(template: string, dialect: TemplateDialect, data: TemplateData, limits?: Partial<RenderLimits>): Promise<string> {
    const reply = await this.call({ op: 'render', template, dialect, data, limits: resolveLimits(limits) });
    return (reply as { output: string }).output;
  }

  warm(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (!this.proc) {
      const proc = (this.proc = this.spawn());
      // Held open while someone may be waiting for it to start, then let go unless busy.
      this.busy(proc);
      void proc.started.then(() => {
        if (!this.current && this.proc === proc) this.idle();
      });
    }
    return this.proc.started;
  }

  async close(): Promise<void> {
    this.closed = true;
    const gone = new TransientError('the renderer was closed');
    for (const job of this.queue.splice(0)) job.reject(gone);
    if (this.proc) this.stop(this.proc, 'close');
  }

  private call(request: Request): Promise<RenderReply> {
    if (this.closed) return Promise.reject(new TransientError('the renderer was closed'));
    return new Promise<RenderReply>((resolve, reject) => {
      this.queue.push({ request, resolve, reject, crashes: 0 });
      this.pump();
    }).then((reply) => {
      if (reply.ok) return reply;
      if ('internal' in reply) throw new Error(`render process: ${reply.internal}`);
      const { message, stage, line, column } = reply.error;
      throw new TemplateError(message, stage, { line, column });
    });
  }

  /** Sends the next request when none is in flight, starting the process when needed. */
  private pump(): void {
    if (this.current || this.closed) return;
    const job = this.queue.shift();
    if (!job) {
      this.idle();
      return;
    }
    this.current = job;
    const proc = (this.proc ??= this.spawn());
    this.busy(proc);
    if (proc.ready) this.send(proc, job);
  }

  private send(proc: RenderProcess, job: Job): void {
    const id = this.nextId++;
    const message = { id, ...job.request } as RenderRequest;
    this.timer = setTimeout(() => this.stop(proc, 'timeout'), job.request.limits.timeoutMs + this.graceMs);
    try {
      proc.child.send(message);
    } catch {
      // The channel closed under us; the exit handler settles the request.
    }
  }

  private spawn(): RenderProcess {
    const child = fork(this.options.entry, [], {
      // Nothing of the parent's: not its flags, not its environment (which holds credentials).
      execArgv: [`--max-old-space-size=${this.maxMemoryMb}`],
      env: {},
      serialization: 'json',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let started = () => {};
    const proc: RenderProcess = { child, ready: false, stderr: '', started: new Promise<void>((resolve) => (started = resolve)) };
    const stderr = child.stderr as Readable & { unref?: () => void };
    stderr.setEncoding('utf8');
    stderr.on('data', (chunk: string) => {
      proc.stderr = (proc.stderr + chunk).slice(-STDERR_TAIL);
    });
    stderr.unref?.();
    const startTimer = setTimeout(() => this.stop(proc, 'timeout'), this.startTimeoutMs);
    startTimer.unref();
    child.on('message', (message: RenderReply | ReadyMessage) => {
      if ('ready' in message) {
        clearTimeout(startTimer);
        proc.ready = true;
        started();
        if (this.current && this.proc === proc) this.send(proc, this.current);
        return;
      }
      this.settle(proc, message);
    });
    child.on('error', () => {
      // Spawning failed or a signal could not be sent; 'exit' (or nothing) follows. A process
      // that never started is handled by the start timer.
    });
    child.on('exit', (code, signal) => {
      clearTimeout(startTimer);
      started();
      this.exited(proc, code, signal);
    });
    return proc;
  }

  private settle(proc: RenderProcess, reply: RenderReply): void {
    const job = this.current;
    if (!job || this.proc !== proc) return;
    clearTimeout(this.timer);
    this.current = undefined;
    job.resolve(reply);
    this.pump();
  }

  private stop(proc: RenderProcess, why: 'timeout' | 'close'): void {
    proc.killedFor ??= why;
    proc.child.kill('SIGKILL');
  }

  private exited(proc: RenderProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.proc !== proc) return;
    this.proc = undefined;
    clearTimeout(this.timer);
    const job = this.current;
    this.current = undefined;
    const cause: ExitCause = !proc.ready ? 'start-failure' : proc.killedFor === 'timeout' ? 'timeout' : 'crash';
    if (proc.killedFor !== 'close') this.options.onProcessExit?.({ code, signal, stderr: proc.stderr, cause });
    if (job) {
      if (this.closed) job.reject(new TransientError('the renderer was closed'));
      else if (cause === 'start-failure') {
        // Not the template's doing: the broker retries, and the log says why.
        job.reject(new TransientError(`the render process did not start (${describeExit(code, signal)}): ${lastLine(proc.stderr)}`));
      } else if (cause === 'timeout') {
        job.reject(hardTimeLimitError(job.request.limits));
      } else if (++job.crashes < CRASHES_BEFORE_BLAME) {
        this.queue.unshift(job); // once more, on a fresh process
      } else {
        job.reject(memoryLimitError(this.maxMemoryMb, proc.stderr, code, signal));
      }
    }
    this.pump();
  }

  /** Holds the event loop open while a request is in flight, and only then. */
  private busy(proc: RenderProcess): void {
    proc.child.ref();
    proc.child.channel?.ref();
  }

  private idle(): void {
    this.proc?.child.unref();
    this.proc?.child.channel?.unref();
  }
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).pop() ?? 'no output';
}

function hardTimeLimitError(limits: RenderLimits): TemplateError {
  return new TemplateError(
    `rendering the prompt took longer than the time limit of ${limits.timeoutMs} ms and was stopped — ` +
      'make the template do less work (fewer or smaller loops, smaller values)',
    'limit',
  );
}

function memoryLimitError(mb: number, stderr: string, code: number | null, signal: NodeJS.Signals | null): TemplateError {
  const outOfMemory = /heap out of memory|invalid (?:size|array length|string length)|Allocation failed/i.test(stderr);
  const what = outOfMemory ? `ran out of its ${mb} MiB of memory` : `crashed (${describeExit(code, signal)})`;
  return new TemplateError(
    `rendering the prompt was stopped: the render process ${what} — the template builds values too large; ` +
      'make the values it builds smaller',
    'limit',
  );
}
