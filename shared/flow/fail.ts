/**
 * Failing a Task: write `Failed` with a message saying what to fix, tell other systems, and
 * fail every registered dependent (transitively), each naming the cause.
 */
import { newEvent, taskSubject } from '../events/emit.js';
import { TASK_FAILED, type TaskFailedData } from '../events/types.js';
import type { FailedTask } from '../store/store.js';
import { countCompleted } from './count.js';
import { outcomeExtensions } from './outcome-extensions.js';
import type { FlowContext, FlowDeps } from './deps.js';
import { isTerminal, updateStatus } from './status.js';
import { recordTaskEvent } from './task-events.js';

export interface TaskIdentity {
  namespace: string;
  name: string;
  uid: string;
}

/** Reason recorded on the Kubernetes Event, e.g. TaskFailed, TemplateFailed, InvalidTask. */
export type FailureReason = 'TaskFailed' | 'TemplateFailed' | 'InvalidTask' | 'DependencyFailed' | 'PromptTooLarge' | 'JobBuildFailed';

/**
 * Marks one Task Failed in the cluster and announces it; does not touch the store.
 * Only this incarnation (uid), and never over a terminal phase: a Task that already ended
 * otherwise keeps its result. False when it is gone, recreated, or ended otherwise; true when
 * it is Failed with this message (by this call, or by an earlier delivery whose announcement
 * is repeated — with the same event id — in case that delivery died before making it).
 */
export async function markFailed(
  deps: FlowDeps,
  context: FlowContext,
  task: TaskIdentity,
  message: string,
  reason: FailureReason,
): Promise<boolean> {
  const { task: current, written } = await updateStatus(deps, context, task, (t) =>
    isTerminal(t.status?.phase) ? null : { phase: 'Failed', message, completionTime: deps.now().toISOString() },
  );
  if (!current) return false;
  if (!written && !(current.status?.phase === 'Failed' && current.status.message === message)) {
    context.log.info({ task: task.name, namespace: task.namespace, phase: current.status?.phase }, 'Task already ended; not failed again');
    return false;
  }
  if (written) await recordTaskEvent(deps, context, task, { type: 'Warning', reason, message });
  const data: TaskFailedData = { ...task, message };
  await deps.emit(
    newEvent({
      type: TASK_FAILED,
      source: deps.config.source,
      subject: taskSubject(task.namespace, task.name),
      id: `${task.uid || `${task.namespace}/${task.name}`}/failed`,
      data,
      traceparent: context.traceparent,
      extensions: outcomeExtensions(current),
    }),
  );
  context.log.info({ task: task.name, namespace: task.namespace, reason }, `Task failed: ${message}`);
  return true;
}

export async function failDependents(
  deps: FlowDeps,
  context: FlowContext,
  namespace: string,
  dependents: FailedTask[],
): Promise<void> {
  for (const dependent of dependents) {
    await markFailed(deps, context, { namespace, name: dependent.name, uid: dependent.uid }, dependent.message, 'DependencyFailed');
  }
}

/**
 * Fails a Task that cannot run (invalid spec, template error, prompt too large): the cluster
 * first (the record), then the index, whose answer names the dependents that fail with it.
 */
export async function failTask(
  deps: FlowDeps,
  context: FlowContext,
  task: TaskIdentity,
  message: string,
  reason: FailureReason,
): Promise<void> {
  // Gone, recreated or already ended otherwise: the index is not told a failure that is not the record's.
  if (!(await markFailed(deps, context, task, message, reason))) return;
  const outcome = await deps.store.recordCompletion({
    namespace: task.namespace,
    name: task.name,
    uid: task.uid,
    succeeded: false,
    outputs: null,
    results: null,
    response: '',
    message,
  });
  if (outcome.status === 'recorded') countCompleted(deps, task.namespace, 'Failed', 1 + outcome.failed.length);
  if (outcome.status !== 'stale') await failDependents(deps, context, task.namespace, outcome.failed);
}
