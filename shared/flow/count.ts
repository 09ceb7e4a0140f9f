/**
 * Where the flows count terminal phases: only where the index says a result was recorded for
 * the first time, so redelivered events (at-least-once) never count a Task twice.
 */
import { secondsBetween, type TerminalPhase } from '../metrics/metrics.js';
import type { Task, TaskUsage } from '../task/model.js';
import type { FlowDeps } from './deps.js';

export function countCompleted(deps: FlowDeps, namespace: string, phase: TerminalPhase, count = 1): void {
  if (count > 0) deps.metrics?.taskCompleted.inc({ namespace, phase }, count);
}

/** What a Task's run spent, by agent type and model (the model it was given; '' = the agent's default). */
export function countUsage(deps: FlowDeps, task: Task, usage: TaskUsage | null): void {
  if (!usage || !deps.metrics) return;
  const labels = { namespace: task.metadata.namespace, type: task.spec?.type ?? '', model: task.spec?.model ?? '' };
  deps.metrics.taskTokens.inc({ ...labels, direction: 'input' }, usage.inputTokens);
  deps.metrics.taskTokens.inc({ ...labels, direction: 'output' }, usage.outputTokens);
  if (usage.costUSD !== undefined) deps.metrics.taskCost.inc(labels, usage.costUSD);
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
