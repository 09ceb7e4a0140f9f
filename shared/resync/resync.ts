/**
 * One resync run: snapshot (paginated), plan (level-triggered), repair (at most maxRepairs,
 * the rest deferred to the next run), report. Idempotent: a run over a consistent system
 * repairs nothing, and two runs at once only repeat each other's work.
 */
import { TransientError } from '../errors.js';
import type { FlowContext, FlowDeps } from '../flow/deps.js';
import type { ResyncOptions } from './config.js';
import type { ResyncMetrics } from './metrics.js';
import { newResyncState, planRepairs, type RepairKind, type ResyncState } from './plan.js';
import { forgetLostEntries } from './index-walk.js';
import { runRepair } from './repair.js';
import { takeSnapshot } from './snapshot.js';

export interface RepairRecord {
  kind: RepairKind;
  namespace: string;
  name: string;
  result: string;
  error?: string;
}

export interface ResyncReport {
  tasks: number;
  jobs: number;
  /** Repairs found this run. */
  planned: number;
  /** Repairs made (each with what came of it). */
  repairs: RepairRecord[];
  /** Repairs over the maxRepairs budget, left to the next run. */
  deferred: number;
  /** Tasks first seen launched without a Job (failed by a later run if it stays so). */
  suspected: number;
  /** Set when transient trouble (Redis or the API) ended the run early; the next run resumes. */
  aborted?: string;
  /** Repairs made, by kind. */
  counts: Partial<Record<RepairKind, number>>;
  /** Index entries the walk read (the index walk: index-walk.ts). */
  indexEntries: number;
}

export interface ResyncDeps extends FlowDeps {
  resyncMetrics?: ResyncMetrics;
}

export async function runResync(
  deps: ResyncDeps,
  options: ResyncOptions,
  state: ResyncState = newResyncState(),
): Promise<ResyncReport> {
  const log = deps.log;
  const report: ResyncReport = { tasks: 0, jobs: 0, planned: 0, repairs: [], deferred: 0, suspected: 0, counts: {}, indexEntries: 0 };
  try {
    const snapshot = await takeSnapshot(deps, options);
    report.tasks = snapshot.tasks.length;
    report.jobs = snapshot.jobs;
    const plan = planRepairs(snapshot.tasks, state, deps.now().getTime(), options.lostJobGraceMs);
    report.planned = plan.repairs.length;
    report.suspected = plan.suspected;
    const released = new Set<string>();
    for (const repair of plan.repairs) {
      if (report.repairs.length >= options.maxRepairs) break;
      if (repair.kind === 'release') {
        // Several waiting Tasks may share a dependency: record each result once per run.
        repair.targets = (repair.targets ?? []).filter((t) => !released.has(t.uid));
        for (const t of repair.targets) released.add(t.uid);
        if (repair.targets.length === 0) {
          report.planned--;
          continue;
        }
      }
      const context: FlowContext = { log: log.child({ task: repair.name, namespace: repair.namespace, repair: repair.kind }) };
      const outcome = await runRepair(deps, context, repair, options);
      const record: RepairRecord = { kind: repair.kind, namespace: repair.namespace, name: repair.name, result: outcome.result };
      if (outcome.error) record.error = outcome.error;
      report.repairs.push(record);
      report.counts[repair.kind] = (report.counts[repair.kind] ?? 0) + 1;
      deps.resyncMetrics?.repairs.inc({ kind: repair.kind });
      context.log.info({ result: outcome.result, error: outcome.error }, `resync repaired: ${repair.kind}`);
    }
    report.deferred = Math.max(0, report.planned - report.repairs.length);

    // Then the index's own entries: those whose Task the cluster no longer has — in the
    // namespaces resync serves, or, serving all, every namespace the index holds (one whose
    // last Task went is in no list of the cluster's any more).
    const walk = await forgetLostEntries(deps, { log }, snapshot.tasks, {
      namespaces: options.namespaces ?? (await deps.store.listNamespaces()),
      pageSize: options.pageSize,
      tombstoneRetentionMs: options.tombstoneRetentionMs,
      budget: Math.max(0, options.maxRepairs - report.repairs.length),
    });
    report.indexEntries = walk.scanned;
    for (const forgotten of walk.forgotten) {
      report.repairs.push({ kind: 'forget', namespace: forgotten.namespace, name: forgotten.name, result: forgotten.purged ? 'removed' : 'tombstone' });
      report.counts.forget = (report.counts.forget ?? 0) + 1;
      deps.resyncMetrics?.repairs.inc({ kind: 'forget' });
    }
  } catch (err) {
    if (!(err instanceof TransientError)) throw err;
    report.aborted = err.message;
    report.deferred = Math.max(0, report.planned - report.repairs.length);
    log.warn({ err: err.message, repaired: report.repairs.length }, 'resync stopped early; the next run resumes');
  }
  deps.resyncMetrics?.runs.inc({ outcome: report.aborted ? 'aborted' : 'completed' });
  deps.resyncMetrics?.deferred.set(report.deferred);
  log.info(
    {
      tasks: report.tasks,
      jobs: report.jobs,
      indexEntries: report.indexEntries,
      repaired: report.repairs.length,
      counts: report.counts,
      deferred: report.deferred,
      suspected: report.suspected,
      aborted: report.aborted,
    },
    report.repairs.length === 0 ? 'resync: nothing to repair' : `resync: ${report.repairs.length} repair(s)`,
  );
  return report;
}
