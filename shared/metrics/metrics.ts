/**
 * The Prometheus series a function exposes on GET /metrics. Each app gets its own Registry
 * (no module-level default registry), passed in through FlowDeps and the HTTP shell, so tests
 * read exactly what one app counted.
 *
 * The task series follow Axon's controller (axon_task_created_total, axon_task_completed_total,
 * axon_task_duration_seconds) under our prefix, so dashboards carry over: "created" counts Tasks
 * whose Job was created, as Axon counts it.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export type TerminalPhase = 'Succeeded' | 'Failed';

export interface Metrics {
  readonly registry: Registry;
  /** Tasks whose Job was created (once per Task: an existing Job is not counted again). */
  readonly taskCreated: Counter<'namespace' | 'type'>;
  /** Tasks that reached a terminal phase, counted where the index records it the first time. */
  readonly taskCompleted: Counter<'namespace' | 'phase'>;
  /** From the Job's start to its completion. */
  readonly taskDuration: Histogram<'namespace' | 'phase'>;
  /** Time spent in one handler, per function and CloudEvent type (bad requests excluded). */
  readonly eventHandling: Histogram<'function' | 'type'>;
  /** For a Task with dependencies: from its creation until the last one succeeded (task.ready). */
  readonly dependencyWait: Histogram<'namespace'>;
  /** Events refused because their producer may not say what they say (forged launches, foreign completions). */
  readonly eventsRefused: Counter<'reason'>;
  /** Tokens agents spent, as their own output formats report them. */
  readonly taskTokens: Counter<'namespace' | 'type' | 'model' | 'direction'>;
  /** What agents' runs cost, where their formats report it (claude-code, opencode). */
  readonly taskCost: Counter<'namespace' | 'type' | 'model'>;
  /** Finished Tasks deleted by their ttlSecondsAfterFinished. */
  readonly tasksExpired: Counter<'namespace'>;
}

export interface MetricsOptions {
  /** Also collect the process_* and nodejs_* series (one event-loop monitor per call: production only). */
  defaultMetrics?: boolean;
}

/** Axon's buckets: agent runs take minutes. */
const TASK_DURATION_BUCKETS = [30, 60, 120, 300, 600, 1200, 1800, 3600];
const EVENT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const WAIT_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400];

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    taskCreated: new Counter({
      name: 'dendrite_task_created_total',
      help: 'Tasks for which a Job was created',
      labelNames: ['namespace', 'type'] as const,
      registers,
    }),
    taskCompleted: new Counter({
      name: 'dendrite_task_completed_total',
      help: 'Tasks that reached a terminal phase',
      labelNames: ['namespace', 'phase'] as const,
      registers,
    }),
    taskDuration: new Histogram({
      name: 'dendrite_task_duration_seconds',
      help: 'Duration of a Task from its Job starting to its completion',
      labelNames: ['namespace', 'phase'] as const,
      buckets: TASK_DURATION_BUCKETS,
      registers,
    }),
    eventHandling: new Histogram({
      name: 'dendrite_event_handling_seconds',
      help: 'Time spent handling one CloudEvent',
      labelNames: ['function', 'type'] as const,
      buckets: EVENT_BUCKETS,
      registers,
    }),
    dependencyWait: new Histogram({
      name: 'dendrite_dependency_wait_seconds',
      help: 'Time from a Task\'s creation until its last dependency succeeded',
      labelNames: ['namespace'] as const,
      buckets: WAIT_BUCKETS,
      registers,
    }),
    taskTokens: new Counter({
      name: 'dendrite_task_tokens_total',
      help: 'Tokens spent by agents, by direction (input or output)',
      labelNames: ['namespace', 'type', 'model', 'direction'] as const,
      registers,
    }),
    taskCost: new Counter({
      name: 'dendrite_task_cost_usd_total',
      help: 'Cost of agent runs in US dollars, as the agents report it',
      labelNames: ['namespace', 'type', 'model'] as const,
      registers,
    }),
    eventsRefused: new Counter({
      name: 'dendrite_events_refused_total',
      help: 'Events refused because their producer may not send them (by reason)',
      labelNames: ['reason'] as const,
      registers,
    }),
    tasksExpired: new Counter({
      name: 'dendrite_tasks_expired_total',
      help: 'Finished Tasks deleted by their ttlSecondsAfterFinished',
      labelNames: ['namespace'] as const,
      registers,
    }),
  };
}

/** Seconds between two RFC 3339 times; undefined when either is missing, unreadable or reversed. */
export function secondsBetween(from: string | undefined, to: string | Date | undefined): number | undefined {
  if (!from || !to) return undefined;
  const start = Date.parse(from);
  const end = to instanceof Date ? to.getTime() : Date.parse(to);
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) return undefined;
  return (end - start) / 1000;
}
