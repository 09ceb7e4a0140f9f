/**
 * Recording that a Task's work ended — from its Job or from another system — and moving
 * the graph on: outputs and phase to Task.status in one patch (a dependent must never see
 * `Succeeded` without the outputs), then one atomic step in the index that names the
 * dependents this made ready or failed.
 */
import { newEvent, taskSubject } from '../events/emit.js';
import { TASK_FAILED, TASK_SUCCEEDED, type TaskFailedData, type TaskSucceededData } from '../events/types.js';
import type { TaskStatus } from '../task/model.js';
import type { FlowContext, FlowDeps } from './deps.js';
import { countCompleted, countRun } from './count.js';
import { failDependents } from './fail.js';
import { emitReady } from './ready.js';
import { patchStatus } from './status.js';
import { recordTaskEvent } from './task-events.js';

export interface Completion {
  namespace: string;
  name: string;
  /** The Task's uid as the reporter knows it (Job ownerReference); undefined from outside systems. */
  uid?: string;
  succeeded: boolean;
  outputs: string[] | null;
  results: Record<string, string> | null;
  /** Why it failed; on success an optional note. */
  message?: string;
  podName?: string;
  /** When the run started (the Job's startTime), for the duration metric. */
  startTime?: string;
  /** When it ended, from the reporter so a redelivery writes the same value. */
  completionTime: string;
}

export type CompletionResult = 'recorded' | 'duplicate' | 'stale';

export async function completeTask(deps: FlowDeps, context: FlowContext, completion: Completion): Promise<CompletionResult> {
  const { namespace, name } = completion;
  const entry = await deps.store.get(namespace, name);
  // A late event from a Job of an earlier Task with the same name must not touch the new one.
  if (entry && completion.uid && entry.uid !== completion.uid) {
    context.log.info({ task: name, namespace }, 'completion for an older incarnation of the Task ignored');
    return 'stale';
  }
  const uid = completion.uid ?? entry?.uid ?? '';

  const status: TaskStatus = {
    phase: completion.succeeded ? 'Succeeded' : 'Failed',
    completionTime: completion.completionTime,
    outputs: completion.outputs ?? [],
    results: completion.results ?? {},
    message: completion.message ?? (completion.succeeded ? 'Task succeeded' : 'Task failed'),
  };
  if (completion.podName) status.podName = completion.podName;
  if (!(await patchStatus(deps, context, namespace, name, status))) return 'stale';

  const outcome = await deps.store.recordCompletion({
    namespace,
    name,
    uid: uid || undefined,
    succeeded: completion.succeeded,
    outputs: completion.outputs,
    results: completion.results,
    message: status.message,
  });
  if (outcome.status === 'stale') return 'stale';

  const task = { namespace, name, uid };
  if (outcome.status === 'recorded') {
    countRun(deps, namespace, completion.succeeded ? 'Succeeded' : 'Failed', completion.startTime, completion.completionTime);
    countCompleted(deps, namespace, 'Failed', outcome.failed.length);
    await recordTaskEvent(deps, context, task, {
      type: completion.succeeded ? 'Normal' : 'Warning',
      reason: completion.succeeded ? 'TaskSucceeded' : 'TaskFailed',
      message: status.message!,
    });
    if (completion.outputs && completion.outputs.length > 0) {
      await recordTaskEvent(deps, context, task, {
        type: 'Normal',
        reason: 'OutputsCaptured',
        message: `captured ${completion.outputs.length} output line(s) and ${Object.keys(completion.results ?? {}).length} result(s)`,
      });
    }
  }
  await deps.emit(
    completion.succeeded
      ? newEvent<TaskSucceededData>({
          type: TASK_SUCCEEDED,
          source: deps.config.source,
          subject: taskSubject(namespace, name),
          id: `${uid || `${namespace}/${name}`}/succeeded`,
          data: { ...task, outputs: status.outputs!, results: status.results! },
          traceparent: context.traceparent,
        })
      : newEvent<TaskFailedData>({
          type: TASK_FAILED,
          source: deps.config.source,
          subject: taskSubject(namespace, name),
          id: `${uid || `${namespace}/${name}`}/failed`,
          data: { ...task, message: status.message! },
          traceparent: context.traceparent,
        }),
  );
  await emitReady(deps, context, namespace, outcome.ready);
  await failDependents(deps, context, namespace, outcome.failed);
  context.log.info(
    { task: name, namespace, phase: status.phase, ready: outcome.ready.length, failed: outcome.failed.length, status: outcome.status },
    'completion recorded',
  );
  return outcome.status;
}
