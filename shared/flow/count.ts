/**
 * Where the flows count terminal phases: only where the index says a result was recorded for
 * the first time, so redelivered events (at-least-once) never count a Task twice.
 */
import { secondsBetween, type TerminalPhase } from '../metrics/metrics.js';
import type { FlowDeps } from './deps.js';

export function countCompleted(deps: FlowDeps, namespace: string, phase: TerminalPhase, count = 1): void {
  if (count > 0) deps.metrics?.taskCompleted.inc({ namespace, phase }, count);
}

/** A Task that ran: also its duration, when the reporter knows when the run started. */
export function countRun(
  deps: FlowDeps,
  namespace: string,
  phase: TerminalPhase,
  startTime: string | undefined,
  completionTime: string,
): void {
  countCompleted(deps, namespace, phase);
  const seconds = secondsBetween(startTime, completionTime);
  if (seconds !== undefined) deps.metrics?.taskDuration.observe({ namespace, phase }, seconds);
}
