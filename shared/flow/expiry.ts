/**
 * A finished Task's time to live, as Axon means `spec.ttlSecondsAfterFinished`: the Task is
 * deleted that many seconds after its `completionTime` (its Job goes with it, owned by it),
 * a `TaskExpired` Event first.
 *
 * Never before what it produced is safe: its status holds the outputs (they are written with
 * the terminal phase, in one patch) and the index has recorded its outcome — the entry then
 * outlives the Task for as long as dependents registered before the deletion need its data
 * (store.remove). When the index does not say so yet, the expiry waits: resync repairs the
 * index first and expires the Task on a later tick.
 *
 * Who calls it: job-status right after a completion (TTL 0), task-intake for a terminal Task's
 * update event that finds it due, and resync for every Task due (the backstop, and the path
 * for a TTL that is not yet due when the events pass).
 */
import type { Task } from '../task/model.js';
import type { FlowContext, FlowDeps } from './deps.js';
import { isTerminal } from './status.js';
import { recordTaskEvent } from './task-events.js';

/** When the Task may be deleted (ms since the epoch); undefined when it has no TTL or has not finished. */
export function expiresAt(task: Pick<Task, 'spec' | 'status'>): number | undefined {
  const ttl = task.spec?.ttlSecondsAfterFinished;
  if (typeof ttl !== 'number' || !isTerminal(task.status?.phase)) return undefined;
  const finished = Date.parse(task.status?.completionTime ?? '');
  return Number.isNaN(finished) ? undefined : finished + ttl * 1000;
}

export function isDue(task: Pick<Task, 'spec' | 'status'>, now: Date): boolean {
  const at = expiresAt(task);
  return at !== undefined && at <= now.getTime();
}

export type ExpiryOutcome = 'expired' | 'not-due' | 'not-recorded' | 'gone';

/**
 * Deletes the Task when it is due and its outcome is in the index. The Task is read here, not
 * taken from an event: an event's copy could claim any TTL and completion time. Idempotent: a
 * Task already deleted (or recreated under its name) is `gone`.
 */
export async function expireTask(deps: FlowDeps, context: FlowContext, identity: { namespace: string; name: string; uid: string }): Promise<ExpiryOutcome> {
  const { namespace, name, uid } = identity;
  const task = await deps.cluster.getTask(namespace, name);
  if (!task || task.metadata.uid !== uid) return 'gone';
  if (!isDue(task, deps.now())) return 'not-due';
  const entry = await deps.store.get(namespace, name);
  const recorded = task.status?.phase === 'Succeeded' ? 'succeeded' : 'failed';
  if (!entry || entry.uid !== uid || entry.state !== recorded) {
    // Its dependents' data would be lost with it: the index learns the outcome first (resync).
    context.log.info({ task: name, namespace, state: entry?.state }, 'Task due to expire, but its outcome is not in the index yet; kept');
    return 'not-recorded';
  }
  const seconds = task.spec.ttlSecondsAfterFinished!;
  await recordTaskEvent(deps, context, identity, {
    type: 'Normal',
    reason: 'TaskExpired',
    message: `Task expired: ${seconds} s (spec.ttlSecondsAfterFinished) after it finished; deleting it and its Job`,
  });
  const deleted = await deps.cluster.deleteTask(namespace, name, uid);
  // The delete event does the same; doing it now keeps the index right when that event is lost.
  await deps.store.remove(namespace, name, uid, deps.now().getTime());
  if (deleted === 'deleted') deps.metrics?.tasksExpired.inc({ namespace });
  context.log.info({ task: name, namespace, deleted }, 'Task expired');
  return deleted === 'deleted' ? 'expired' : 'gone';
}
