/**
 * Writing Task.status — the record — so that late, duplicated and concurrent events can never
 * move a Task backwards or onto another incarnation of the same name:
 * read the Task, check its uid, decide on what was read, and write conditionally on the
 * resourceVersion read (a writer that slipped in between makes it read and decide again).
 */
import { ConflictError } from '../cluster/cluster.js';
import { NotFoundError } from '../errors.js';
import type { Phase, Task, TaskStatus } from '../task/model.js';
import type { FlowContext, FlowDeps } from './deps.js';

export interface TaskTarget {
  namespace: string;
  name: string;
  /** The incarnation meant; when set, another uid under the name is left alone. */
  uid?: string;
}

/** The Task as read (null: gone, or another incarnation), and whether the status was written. */
export interface StatusUpdate {
  task: Task | null;
  written: boolean;
}

/** Returns the status to merge in, or null to leave the Task as it is. */
export type DecideStatus = (task: Task) => TaskStatus | null | Promise<TaskStatus | null>;

/** Reads again after this many lost races; past that the conflict goes to the broker (retried). */
const MAX_ATTEMPTS = 5;

const RANK: Record<Phase, number> = { Waiting: 1, Pending: 2, Running: 3, Succeeded: 4, Failed: 4 };

export function isTerminal(phase: Phase | undefined): phase is 'Succeeded' | 'Failed' {
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * Phases only advance: (none) → Waiting → Pending → Running → Succeeded | Failed; the same
 * phase may be written again (a new message), a terminal phase never changes.
 */
export function mayAdvance(from: Phase | undefined, to: Phase): boolean {
  if (isTerminal(from)) return false;
  return from === undefined || RANK[to] >= RANK[from];
}

export async function updateStatus(
  deps: FlowDeps,
  context: FlowContext,
  target: TaskTarget,
  decide: DecideStatus,
  options: { read?: Task } = {},
): Promise<StatusUpdate> {
  const { namespace, name, uid } = target;
  let read = options.read;
  for (let attempt = 1; ; attempt++) {
    const task = read ?? (await deps.cluster.getTask(namespace, name));
    read = undefined;
    if (!task) {
      context.log.info({ task: name, namespace }, 'Task is gone; status not written');
      return { task: null, written: false };
    }
    if (uid && task.metadata.uid !== uid) {
      context.log.info({ task: name, namespace, uid, current: task.metadata.uid }, 'the Task was recreated; the older incarnation\'s status is not written');
      return { task: null, written: false };
    }
    const status = await decide(task);
    if (!status) return { task, written: false };
    try {
      await deps.cluster.patchTaskStatus(namespace, name, status, { resourceVersion: task.metadata.resourceVersion });
      return { task, written: true };
    } catch (err) {
      if (err instanceof NotFoundError) {
        context.log.info({ task: name, namespace }, 'Task is gone; status not written');
        return { task: null, written: false };
      }
      if (err instanceof ConflictError && attempt < MAX_ATTEMPTS) continue;
      throw err;
    }
  }
}
