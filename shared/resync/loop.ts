/**
 * Resync on a timer, for the local mode (a cluster uses a PingSource instead). Runs never
 * overlap; a failed run is logged and the next tick tries again.
 */
import type { ResyncOptions } from './config.js';
import { newResyncState } from './plan.js';
import { runResync, type ResyncDeps, type ResyncReport } from './resync.js';

export interface ResyncLoop {
  /** Runs now (or waits for the run in progress and returns its report). */
  runNow(): Promise<ResyncReport>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

export function startResyncLoop(deps: ResyncDeps, options: ResyncOptions, intervalMs: number): ResyncLoop {
  const state = newResyncState();
  let running: Promise<ResyncReport> | undefined;
  let stopped = false;

  const runNow = (): Promise<ResyncReport> => {
    running ??= runResync(deps, options, state).finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    if (stopped || running) return;
    runNow().catch((err: unknown) => deps.log.error({ err }, 'resync run failed'));
  }, intervalMs);
  timer.unref();

  return {
    runNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
