/**
 * Recording that a Task's work ended — from its Job or from another system — and moving
 * the graph on: outputs and phase to Task.status in one patch (a dependent must never see
 * `Succeeded` without the outputs), then one atomic step in the index that names the
 * dependents this made ready or failed.
 *
 * The record decides: the Task is read first; a Task that is gone or is another incarnation
 * (deleted and recreated under the name) is not touched; a Task that already ended keeps its
 * result (the first result stands) and that result — not the reporter's — is what the index
 * gets, so a redelivered or late report finishes what an interrupted handler started without
 * ever changing an outcome.
 */
import type { CloudEvent } from 'cloudevents';
import { newEvent, taskSubject } from '../events/emit.js';
import { TASK_FAILED, TASK_SUCCEEDED, type TaskFailedData, type TaskSucceededData } from '../events/types.js';
import { outcomeExtensions } from './outcome-extensions.js';
import type { Task, TaskStatus, TaskUsage } from '../task/model.js';
import type { FlowContext, FlowDeps } from './deps.js';
import { countCompleted, countRun, countUsage } from './count.js';
import { expireTask } from './expiry.js';
import { failDependents, type TaskIdentity } from './fail.js';
import { oversizeMessage } from './outputs.js';
import { emitReady, renderReleased } from './ready.js';
import { isTerminal, updateStatus, type TaskTarget } from './status.js';
import { recordTaskEvent } from './task-events.js';

/** What the reporter says about the run. */
export interface CompletionReport {
  succeeded: boolean;
  outputs: string[] | null;
  results: Record<string, string> | null;
  /** The agent's answer ('' when none). */
  response: string;
  usage: TaskUsage | null;
  /** Why it failed; on success an optional note. */
  message?: string;
  podName?: string;
  /** When the run started (the Job's startTime), for the duration metric. */
  startTime?: string;
  /** When it ended, from the reporter so a redelivery writes the same value. */
  completionTime: string;
}

export type CompletionResult = 'recorded' | 'duplicate' | 'stale';

/** Outputs that do not fit the status are not recorded: the Task fails, saying why. */
export function withinLimits(report: CompletionReport): CompletionReport {
  const tooLarge = oversizeMessage(report);
  if (!tooLarge) return report;
  const message = report.succeeded ? tooLarge : `${report.message ?? 'Task failed'}; ${tooLarge}`;
  return { ...report, succeeded: false, outputs: null, results: null, response: '', message };
}

function statusOf(report: CompletionReport): TaskStatus {
  const status: TaskStatus = {
    phase: report.succeeded ? 'Succeeded' : 'Failed',
    completionTime: report.completionTime,
    outputs: report.outputs ?? [],
    results: report.results ?? {},
    response: report.response,
    message: report.message ?? (report.succeeded ? 'Task succeeded' : 'Task failed'),
  };
  if (report.usage) status.usage = report.usage;
  if (report.podName) status.podName = report.podName;
  return status;
}

/** The result the cluster already records for a Task that ended. */
function recordedReport(task: Task): CompletionReport {
  const status = task.status ?? {};
  return {
    succeeded: status.phase === 'Succeeded',
    outputs: status.outputs ?? null,
    results: status.results ?? null,
    response: status.response ?? '',
    usage: status.usage ?? null,
    message: status.message,
    completionTime: status.completionTime ?? '',
  };
}

async function recordOutcomeEvents(deps: FlowDeps, context: FlowContext, identity: TaskIdentity, result: CompletionReport, message: string): Promise<void> {
  await recordTaskEvent(deps, context, identity, {
    type: result.succeeded ? 'Normal' : 'Warning',
    reason: result.succeeded ? 'TaskSucceeded' : 'TaskFailed',
    message,
  });
  if (result.outputs && result.outputs.length > 0) {
    await recordTaskEvent(deps, context, identity, {
      type: 'Normal',
      reason: 'OutputsCaptured',
      message: `captured ${result.outputs.length} output line(s) and ${Object.keys(result.results ?? {}).length} result(s)`,
    });
  }
}

/** `task.succeeded` / `task.failed`, for other systems (the Triggers route none of them to us). */
function outcomeEvent(
  deps: FlowDeps,
  context: FlowContext,
  identity: TaskIdentity,
  result: CompletionReport,
  status: ReturnType<typeof statusOf>,
  extensions: Record<string, string>,
): CloudEvent<unknown> {
  const { namespace, name, uid } = identity;
  return result.succeeded
    ? newEvent<TaskSucceededData>({
        type: TASK_SUCCEEDED,
        source: deps.config.source,
        subject: taskSubject(namespace, name),
        id: `${uid}/succeeded`,
        data: { ...identity, outputs: status.outputs!, results: status.results!, response: status.response ?? '', ...(status.usage ? { usage: status.usage } : {}) },
        traceparent: context.traceparent,
        extensions,
      })
    : newEvent<TaskFailedData>({
        type: TASK_FAILED,
        source: deps.config.source,
        subject: taskSubject(namespace, name),
        id: `${uid}/failed`,
        data: { ...identity, message: status.message! },
        traceparent: context.traceparent,
        extensions,
      });
}

/**
 * `report` is asked for only when the Task is there, is the incarnation meant (`target.uid`;
 * any, for reporters that do not know it) and has not ended yet — so a duplicate event never
 * reads a pod log again.
 */
export async function completeTask(
  deps: FlowDeps,
  context: FlowContext,
  target: TaskTarget,
  report: () => Promise<CompletionReport>,
): Promise<CompletionResult> {
  const { namespace, name } = target;
  let reported: CompletionReport | undefined;
  const { task, written } = await updateStatus(deps, context, target, async (current) => {
    if (isTerminal(current.status?.phase)) return null;
    reported ??= withinLimits(await report());
    return statusOf(reported);
  });
  if (!task) return 'stale';
  const result = written && reported ? reported : recordedReport(task);
  const status = statusOf(result);
  const uid = task.metadata.uid;

  const outcome = await deps.store.recordCompletion({
    namespace,
    name,
    uid,
    succeeded: result.succeeded,
    outputs: result.outputs,
    results: result.results,
    response: result.response,
    message: status.message,
  });
  if (outcome.status === 'stale') {
    // The index holds an older incarnation of the name: registering this one (its next
    // event, or resync) replaces it, from the record written above.
    context.log.info({ task: name, namespace }, 'the index holds another incarnation; completion left to re-registration');
    return 'stale';
  }

  // The released Tasks' prompts render (in the render process) while the rest is recorded.
  const rendering = outcome.ready.length > 0 ? renderReleased(deps, outcome.ready) : undefined;
  const identity = { namespace, name, uid };
  if (outcome.status === 'recorded') {
    countRun(deps, namespace, result.succeeded ? 'Succeeded' : 'Failed', result.startTime, result.completionTime);
    countUsage(deps, task, result.usage);
    countCompleted(deps, namespace, 'Failed', outcome.failed.length);
  }
  // The released dependents first: their agents start while the rest is recorded (the
  // Kubernetes Events and the outcome event are for people and other systems, off the hand-off
  // path; measured in bench/hand-off.ts).
  await emitReady(deps, context, namespace, outcome.ready, rendering);
  await Promise.all([
    written ? recordOutcomeEvents(deps, context, identity, result, status.message!) : undefined,
    deps.emit(outcomeEvent(deps, context, identity, result, status, outcomeExtensions(task))),
    failDependents(deps, context, namespace, outcome.failed),
  ]);
  context.log.info(
    { task: name, namespace, phase: status.phase, ready: outcome.ready.length, failed: outcome.failed.length, status: outcome.status },
    'completion recorded',
  );
  // A time to live of 0: gone as soon as its outcome is recorded (later ones: resync's tick).
  if (task.spec.ttlSecondsAfterFinished === 0) await expireTask(deps, context, identity);
  return outcome.status;
}
