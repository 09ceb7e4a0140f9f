/**
 * job-status: a Job labelled axon.io/task changed. Active → Task `Running`; a terminal
 * condition → outputs from the pod log, one status patch, one atomic index step, and
 * `task.ready` for every dependent this released (shared/flow/job.ts). Also takes
 * `dev.dendrite.job.completed` from systems that ran the work elsewhere.
 */
import type { CloudEvent } from 'cloudevents';
import { BadEventError, objectData } from '../../shared/events/receive.js';
import { APISERVER_DELETE } from '../../shared/events/types.js';
import { RefusedEventError } from '../../shared/errors.js';
import { capResponse } from '../../shared/agents/report.js';
import { completeTask } from '../../shared/flow/complete.js';
import { isTerminal } from '../../shared/flow/status.js';
import { resultsOf } from '../../shared/outputs/parse.js';
import { isExternal, type Task } from '../../shared/task/model.js';
import type { FlowContext, FlowDeps } from '../../shared/flow/deps.js';
import { onJobChange, type JobFlowOptions } from '../../shared/flow/job.js';
import type { HandlerContext } from '../../shared/http/function-app.js';
import { jobView, viewJob, type JobView } from './job.js';

export type JobStatusOptions = JobFlowOptions;

function flowContext(event: CloudEvent<unknown>, handlerContext: HandlerContext, namespace: string, task: string): FlowContext {
  return {
    log: handlerContext.forTask(namespace, task),
    traceparent: typeof event.traceparent === 'string' ? event.traceparent : undefined,
  };
}

export function createJobEventHandler(deps: FlowDeps, options: JobStatusOptions) {
  return async function handleJobEvent(event: CloudEvent<unknown>, handlerContext: HandlerContext): Promise<void> {
    const job = viewJob(objectData(event, 'a Job object'));
    if (!job.taskName) {
      handlerContext.log.debug({ job: job.jobName }, 'Job is not a Task\'s; ignored');
      return;
    }
    if (event.type === APISERVER_DELETE) return;
    const context = flowContext(event, handlerContext, job.namespace, job.taskName);
    // An outcome ends the Task for good: believed from the API server, never from the event's copy.
    const recorded = job.outcome ? await recordedView(deps, job) : job;
    if (!recorded) {
      context.log.info({ job: job.jobName }, 'the Job in the event is not in the cluster (any more); resync settles its Task');
      return;
    }
    await onJobChange(deps, context, recorded, options);
  };
}

/** The Job as the API server has it, when it is the event's Job (same uid). */
async function recordedView(deps: FlowDeps, job: JobView): Promise<JobView | null> {
  const current = await deps.cluster.getJob(job.namespace, job.jobName);
  if (!current || (job.uid && current.metadata?.uid !== job.uid)) return null;
  return jobView(current);
}

function stringList(value: unknown, field: string): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new BadEventError(`${field} must be an array of strings`);
  }
  return value as string[];
}

function stringMap(value: unknown, field: string): Record<string, string> | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new BadEventError(`${field} must be an object of string values`);
  }
  return value as Record<string, string>;
}

/**
 * `dev.dendrite.job.completed`: another system reports the outcome of an external Task (spec.type
 * external), the work it was given when task.ready announced it. Only its own Job may finish a
 * Task that runs an agent — a report for one would let anyone who can reach the Broker (an agent
 * pod, say) finish or fail it with outputs of their choosing — and an external Task takes its
 * outcome only once released: both are refused (403, not retried, counted). A report for a Task
 * that already ended changes nothing (the first outcome stands).
 */
export function createJobCompletedHandler(deps: FlowDeps) {
  return async function handleJobCompleted(event: CloudEvent<unknown>, handlerContext: HandlerContext): Promise<void> {
    const report = completionReport(event);
    const { namespace, task: name } = report;
    const context = flowContext(event, handlerContext, namespace, name);
    const task = await deps.cluster.getTask(namespace, name);
    if (!task) throw new RefusedEventError('unknown-task', `refused: there is no Task ${namespace}/${name} to complete`);
    if (!isExternal(task)) {
      throw new RefusedEventError(
        'not-external',
        `refused: Task ${namespace}/${name} runs a ${String(task.spec?.type)} agent Job, and only that Job reports its outcome`,
      );
    }
    if (!(await released(deps, task))) {
      throw new RefusedEventError(
        'not-ready',
        `refused: external Task ${namespace}/${name} is not ready yet (${task.status?.phase ?? 'being registered'}): ` +
          'its outcome is taken once dev.dendrite.task.ready has announced it',
      );
    }
    await completeTask(deps, context, { namespace, name, uid: task.metadata.uid }, async () => ({
      succeeded: report.succeeded,
      outputs: report.outputs,
      // As for an agent's block: `key: value` outputs are results, unless results are given.
      results: report.results ?? (report.outputs ? resultsOf(report.outputs) : null),
      response: capResponse(report.response ?? ''),
      usage: null,
      message: report.message ?? (report.succeeded ? undefined : 'the external work failed'),
      completionTime: typeof event.time === 'string' ? event.time : deps.now().toISOString(),
    }));
  };
}

/** Whether the index (or the record) says the Task was released: task.ready may reach its system before the launcher. */
async function released(deps: FlowDeps, task: Task): Promise<boolean> {
  const phase = task.status?.phase;
  if (phase === 'Running' || isTerminal(phase)) return true;
  const entry = await deps.store.get(task.metadata.namespace, task.metadata.name);
  return entry?.uid === task.metadata.uid && (entry.state === 'ready' || entry.state === 'launched');
}

interface CompletionEventData {
  namespace: string;
  task: string;
  succeeded: boolean;
  message?: string;
  outputs: string[] | null;
  results: Record<string, string> | null;
  response?: string;
}

/** The report's fields, checked: a malformed report is a 400 whatever the Task. */
function completionReport(event: CloudEvent<unknown>): CompletionEventData {
  const data = objectData(event, '{namespace, task, succeeded, outputs?, results?, message?}');
  const { namespace, task, succeeded, message } = data;
  if (typeof namespace !== 'string' || !namespace || typeof task !== 'string' || !task) {
    throw new BadEventError('dev.dendrite.job.completed needs string fields "namespace" and "task"');
  }
  if (typeof succeeded !== 'boolean') throw new BadEventError('dev.dendrite.job.completed needs a boolean "succeeded"');
  if (message !== undefined && typeof message !== 'string') throw new BadEventError('"message" must be a string');
  const response = data.response;
  if (response !== undefined && typeof response !== 'string') throw new BadEventError('"response" must be a string');
  return { namespace, task, succeeded, message, outputs: stringList(data.outputs, 'outputs'), results: stringMap(data.results, 'results'), response };
}
