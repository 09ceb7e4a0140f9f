/**
 * Fan-in width: one Task depending on N Tasks; the N completion events go through job-status
 * (its express app, over HTTP on loopback) with real Redis and the in-process cluster.
 * Measured: the time per completion event, and the time from sending the last completion to
 * job-status emitting `dev.dendrite.task.ready` for the root. Flat = the cost does not grow
 * with N.
 */
import { TASK_READY } from '../shared/events/types.js';
import { startBenchEngine, type BenchEngine } from './support/engine.js';
import { setupFanIn } from './support/fan-in-setup.js';
import { createPoster } from './support/http.js';
import { isMain, printSection } from './support/main.js';
import { fmt, mean, median, percentile, table, verdict } from './support/stats.js';

export interface FanInOptions {
  widths: number[];
  /** Repetitions of each width (fresh Tasks each time). */
  reps: (width: number) => number;
}

export interface FanInRow {
  width: number;
  reps: number;
  events: number;
  perEventMeanMs: number;
  perEventP50Ms: number;
  perEventP99Ms: number;
  /** Median over reps: last completion sent → task.ready emitted. */
  lastToReadyMs: number;
  lastToReadyMinMs: number;
}

export interface FanInResult {
  rows: FanInRow[];
  /** last→ready at the widest N / at the narrowest. */
  lastToReadyRatio: number;
  /** Mean per-event time at the widest N / at the narrowest. */
  perEventRatio: number;
}

export const FULL_FAN_IN: FanInOptions = {
  widths: [1, 10, 100, 1000, 10_000],
  reps: (width) => (width <= 1 ? 300 : width <= 10 ? 100 : width <= 100 ? 20 : width <= 1000 ? 5 : 3),
};

/** One fan-in of `width`: every completion's time, and last completion sent → task.ready emitted. */
export async function runOnce(engine: BenchEngine, url: string, readyAt: Map<string, number>, namespace: string, width: number) {
  const fanIn = await setupFanIn(engine, namespace, width);
  const poster = createPoster(url, 1);
  const times: number[] = [];
  let lastToReady = NaN;
  try {
    for (let i = 0; i < fanIn.completions.length; i++) {
      const sent = performance.now();
      const answer = await poster.post(fanIn.completions[i]!);
      times.push(performance.now() - sent);
      if (answer.status !== 202) throw new Error(`job-status answered ${answer.status}: ${answer.body}`);
      if (i === fanIn.completions.length - 1) {
        const ready = readyAt.get(namespace);
        if (ready === undefined) throw new Error(`no task.ready for ${namespace}/root`);
        lastToReady = ready - sent;
      }
    }
  } finally {
    poster.close();
  }
  return { times, lastToReady };
}

export async function runFanIn(options: FanInOptions): Promise<FanInResult> {
  const readyAt = new Map<string, number>();
  const engine = await startBenchEngine({
    functions: ['job-status'],
    onEmit: (event) => {
      if (event.type === TASK_READY) readyAt.set((event.data as { namespace: string }).namespace, performance.now());
    },
  });
  const url = engine.urls['job-status']!;
  const rows: FanInRow[] = [];
  try {
    // Warm-up (JIT, script cache): not recorded.
    for (let r = 0; r < 20; r++) await runOnce(engine, url, readyAt, `warm-${r}`, 20);
    for (const width of options.widths) {
      await engine.redis.flushall();
      const reps = options.reps(width);
      const times: number[] = [];
      const lastToReady: number[] = [];
      for (let r = 0; r < reps; r++) {
        const run = await runOnce(engine, url, readyAt, `w${width}-r${r}`, width);
        times.push(...run.times);
        lastToReady.push(run.lastToReady);
      }
      rows.push({
        width,
        reps,
        events: times.length,
        perEventMeanMs: mean(times),
        perEventP50Ms: median(times),
        perEventP99Ms: percentile(times, 99),
        lastToReadyMs: median(lastToReady),
        lastToReadyMinMs: Math.min(...lastToReady),
      });
    }
  } finally {
    await engine.close();
  }
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  return { rows, lastToReadyRatio: last.lastToReadyMs / first.lastToReadyMs, perEventRatio: last.perEventMeanMs / first.perEventMeanMs };
}

export function fanInReport(result: FanInResult): string {
  const first = result.rows[0]!;
  const last = result.rows[result.rows.length - 1]!;
  return [
    'job-status app over HTTP (keep-alive, one event at a time), real Redis, in-process cluster; times in ms.',
    '',
    table(
      ['N', 'reps', 'events', 'per event mean', 'p50', 'p99', 'last completion → task.ready (median)', 'min'],
      result.rows.map((r) => [r.width, r.reps, r.events, r.perEventMeanMs, r.perEventP50Ms, r.perEventP99Ms, r.lastToReadyMs, r.lastToReadyMinMs]),
    ),
    '',
    `Ratio N=${last.width} / N=${first.width}: last → ready ${fmt(result.lastToReadyRatio)} (goal ≤ 1.5: ${verdict(result.lastToReadyRatio <= 1.5)}), ` +
      `per event ${fmt(result.perEventRatio)}.`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  printSection('Fan-in width', fanInReport(await runFanIn(FULL_FAN_IN)));
}
