/**
 * Carrying out one repair with the same flows the event handlers use, on objects read again
 * now (the snapshot may be a moment old): every repair is what a redelivered event would do,
 * so a repair racing a live event, or another resync, is as harmless as a duplicate event.
 */
import { expireTask } from '../flow/expiry.js';
import { PermanentError } from '../errors.js';
import { completeTask } from '../flow/complete.js';
import type { FlowContext, FlowDeps } from '../flow/deps.js';
import { failTask } from '../flow/fail.js';
import { intakeTask } from '../flow/intake.js';
import { onJobChange } from '../flow/job.js';
import { isTerminal } from '../flow/status.js';
import type { Repair } from './plan.js';
import { jobView } from '../flow/job-view.js';

export interface RepairOutcome {
  /** What was done, e.g. `ready`, `recorded`, `failed`, or `skipped` when nothing was left to do. */
  result: string;
  /** A message for a repair that could not be made (a permanent error). */
  error?: string;
}

/** A completion resync repeats from the record; the Task ended, so no report is ever asked for. */
const fromRecord = async (): Promise<never> => {
  throw new PermanentError('the Task has not ended; nothing to record');
};

async function reregister(deps: FlowDeps, context: FlowContext, repair: Repair): Promise<string> {
  const task = await deps.cluster.getTask(repair.namespace, repair.name);
  if (!task || task.metadata.uid !== repair.uid) return 'skipped';
  const identity = { namespace: repair.namespace, name: repair.name, uid: repair.uid };
  const result = await intakeTask(deps, context, identity, task as unknown as Record<string, unknown>);
  if (result.ready) await deps.emit(result.ready);
  return result.outcome;
}

async function fromJob(deps: FlowDeps, context: FlowContext, repair: Repair, logTailBytes: number): Promise<string> {
  const job = await deps.cluster.getJob(repair.namespace, repair.name);
  if (!job) return 'skipped';
  return onJobChange(deps, context, jobView(job), { logTailBytes });
}

async function failLost(deps: FlowDeps, context: FlowContext, repair: Repair): Promise<string> {
  const job = await deps.cluster.getJob(repair.namespace, repair.name);
  if (job) return 'skipped';
  const task = await deps.cluster.getTask(repair.namespace, repair.name);
  if (!task || task.metadata.uid !== repair.uid || isTerminal(task.status?.phase)) return 'skipped';
  const message = `its Job ${repair.name} was deleted before its outcome was recorded; the Task is not run again — recreate it to retry`;
  await failTask(deps, context, repair, message, 'TaskFailed');
  return 'failed';
}

async function failExpired(deps: FlowDeps, context: FlowContext, repair: Repair): Promise<string> {
  const task = await deps.cluster.getTask(repair.namespace, repair.name);
  if (!task || task.metadata.uid !== repair.uid || isTerminal(task.status?.phase)) return 'skipped';
  const seconds = task.spec.podOverrides?.activeDeadlineSeconds;
  const message = `no dev.dendrite.job.completed arrived within ${seconds} s (spec.podOverrides.activeDeadlineSeconds) of the Task starting`;
  await failTask(deps, context, repair, message, 'TaskFailed');
  return 'failed';
}

export async function runRepair(
  deps: FlowDeps,
  context: FlowContext,
  repair: Repair,
  options: { logTailBytes: number },
): Promise<RepairOutcome> {
  try {
    switch (repair.kind) {
      case 'register':
      case 'status':
      case 'launch':
        return { result: await reregister(deps, context, repair) };
      case 'complete':
      case 'running':
        return { result: await fromJob(deps, context, repair, options.logTailBytes) };
      case 'record':
        return { result: await completeTask(deps, context, repair, fromRecord) };
      case 'release': {
        const results: string[] = [];
        for (const target of repair.targets ?? []) {
          results.push(await completeTask(deps, context, { namespace: repair.namespace, ...target }, fromRecord));
        }
        return { result: results.join(',') || 'skipped' };
      }
      case 'lost':
        return { result: await failLost(deps, context, repair) };
      case 'expired':
        return { result: await failExpired(deps, context, repair) };
      case 'ttl':
        return { result: await expireTask(deps, context, repair) };
      case 'forget':
        return { result: 'skipped' }; // the index walk's own (index-walk.ts), never planned
    }
  } catch (err) {
    // Bad input found on the way (an invalid Task is failed by intake): reported, never retried
    // in a loop. Transient trouble ends the run (the caller's catch).
    if (err instanceof PermanentError) return { result: 'error', error: err.message };
    throw err;
  }
}
