/**
 * job-status: a Job labelled axon.io/task changed. Active → Task `Running`; a terminal
 * condition → outputs from the pod log, one status patch, one atomic index step, and
 * `task.ready` for every dependent this released. Also takes `dev.dendrite.job.completed`
 * from systems that ran the work elsewhere.
 */
import type { CloudEvent } from 'cloudevents';
import { BadEventError, objectData } from '../../shared/events/receive.js';
import { APISERVER_DELETE } from '../../shared/events/types.js';
import { NotFoundError } from '../../shared/errors.js';
import { completeTask } from '../../shared/flow/complete.js';
import type { FlowContext, FlowDeps } from '../../shared/flow/deps.js';
import { patchStatus } from '../../shared/flow/status.js';
import { recordTaskEvent } from '../../shared/flow/task-events.js';
import type { HandlerContext } from '../../shared/http/function-app.js';
import { parseOutputs } from '../../shared/outputs/parse.js';
import { viewJob, type JobView } from './job.js';

export interface JobStatusOptions {
  /** How much of the end of the agent's log to read for the output block. */
  logTailBytes: number;
}

function flowContext(event: CloudEvent<unknown>, handlerContext: HandlerContext, namespace: string, task: string): FlowContext {
  return {
    log: handlerContext.forTask(namespace, task),
    traceparent: typeof event.traceparent === 'string' ? event.traceparent : undefined,
  };
}

async function readOutputs(deps: FlowDeps, job: JobView, options: JobStatusOptions, context: FlowContext) {
  try {
    const { podName, log } = await deps.cluster.readJobLog(job.namespace, job.jobName, job.container ?? '', options.logTailBytes);
    return { podName, parsed: parseOutputs(log) };
  } catch (err) {
    // The pod can be gone (TTL, eviction): the Task still ends, without outputs.
    if (err instanceof NotFoundError) {
      context.log.warn({ job: job.jobName }, 'no pod log to read outputs from');
      return { podName: undefined, parsed: null };
    }
    throw err;
  }
}

function failureMessage(job: JobView): string {
  const parts = [job.outcome?.reason, job.outcome?.message].filter((p): p is string => Boolean(p));
  return parts.length > 0 ? `Job failed: ${parts.join(': ')}` : 'Job failed';
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

    if (job.outcome) {
      const { podName, parsed } = await readOutputs(deps, job, options, context);
      await completeTask(deps, context, {
        namespace: job.namespace,
        name: job.taskName,
        uid: job.taskUid,
        succeeded: job.outcome.succeeded,
        outputs: parsed?.outputs ?? null,
        results: parsed?.results ?? null,
        message: job.outcome.succeeded ? undefined : failureMessage(job),
        podName,
        startTime: job.startTime,
        completionTime: job.outcome.at ?? deps.now().toISOString(),
      });
      return;
    }

    if (job.active > 0) {
      const entry = await deps.store.get(job.namespace, job.taskName);
      // Events arrive out of order: never move a finished Task, or a newer incarnation, back.
      if (entry && (entry.state === 'succeeded' || entry.state === 'failed')) return;
      if (entry && job.taskUid && entry.uid !== job.taskUid) return;
      const patched = await patchStatus(deps, context, job.namespace, job.taskName, {
        phase: 'Running',
        jobName: job.jobName,
        ...(job.startTime ? { startTime: job.startTime } : {}),
      });
      if (patched && job.taskUid) {
        await recordTaskEvent(deps, context, { namespace: job.namespace, name: job.taskName, uid: job.taskUid }, {
          type: 'Normal',
          reason: 'TaskRunning',
          message: `Job ${job.jobName} is running`,
        });
      }
    }
  };
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

export function createJobCompletedHandler(deps: FlowDeps) {
  return async function handleJobCompleted(event: CloudEvent<unknown>, handlerContext: HandlerContext): Promise<void> {
    const data = objectData(event, '{namespace, task, succeeded, outputs?, results?, message?}');
    const { namespace, task, succeeded, message } = data;
    if (typeof namespace !== 'string' || !namespace || typeof task !== 'string' || !task) {
      throw new BadEventError('dev.dendrite.job.completed needs string fields "namespace" and "task"');
    }
    if (typeof succeeded !== 'boolean') throw new BadEventError('dev.dendrite.job.completed needs a boolean "succeeded"');
    if (message !== undefined && typeof message !== 'string') throw new BadEventError('"message" must be a string');
    const outputs = stringList(data.outputs, 'outputs');
    const results = stringMap(data.results, 'results');
    const context = flowContext(event, handlerContext, namespace, task);
    await completeTask(deps, context, {
      namespace,
      name: task,
      succeeded,
      outputs,
      results,
      message,
      completionTime: typeof event.time === 'string' ? event.time : deps.now().toISOString(),
    });
  };
}
