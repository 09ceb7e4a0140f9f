/**
 * Resync's own series, on the app's registry (the shared Metrics hold the Task series every
 * function exposes; these exist only where resync runs).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RepairKind } from './plan.js';

export interface ResyncMetrics {
  /** Repairs made, by kind: a steady non-zero rate means events are being lost upstream. */
  readonly repairs: Counter<'kind'>;
  /** Runs, by outcome (completed | aborted by transient trouble). */
  readonly runs: Counter<'outcome'>;
  /** Repairs left over the budget by the last run. */
  readonly deferred: Gauge;
}

export function createResyncMetrics(registry: Registry): ResyncMetrics {
  const registers = [registry];
  return {
    repairs: new Counter({
      name: 'dendrite_resync_repairs_total',
      help: 'Repairs made by resync, by kind',
      labelNames: ['kind'] as const,
      registers,
    }),
    runs: new Counter({ name: 'dendrite_resync_runs_total', help: 'Resync runs, by outcome', labelNames: ['outcome'] as const, registers }),
    deferred: new Gauge({ name: 'dendrite_resync_deferred_repairs', help: 'Repairs the last resync run left for the next', registers }),
  };
}

/** Every kind, so a dashboard sees zeros rather than absent series. */
export const REPAIR_KINDS: readonly RepairKind[] = ['register', 'complete', 'record', 'release', 'status', 'launch', 'lost', 'running', 'expired', 'ttl', 'forget'];
