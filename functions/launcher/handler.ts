/**
 * launcher: a Task is ready with its rendered prompt. Reads the Workspace and AgentConfig it
 * names (missing → the Task waits for them), builds its Job and creates it; an existing Job
 * of this Task is success, so a redelivered `task.ready` never launches twice.
 * A Job of the same name left by an earlier Task (deleted and recreated) is not this Task's:
 * the launch waits (503, retried) until the garbage collector has removed it.
 */
import type { CloudEvent } from 'cloudevents';
import { BadEventError, objectData } from '../../shared/events/receive.js';
import { PermanentError, RefusedEventError, TransientError } from '../../shared/errors.js';
import type { FlowContext, FlowDeps } from '../../shared/flow/deps.js';
import { failTask } from '../../shared/flow/fail.js';
import { isTerminal, updateStatus } from '../../shared/flow/status.js';
import { recordTaskEvent } from '../../shared/flow/task-events.js';
import type { HandlerContext } from '../../shared/http/function-app.js';
import { buildJob, type JobConfig } from '../../shared/job/build.js';
import { UnusableInputError } from '../../shared/job/inputs.js';
import { readInputs, waitForReferences } from '../../shared/flow/references.js';
import { secondsBetween } from '../../shared/metrics/metrics.js';
import type { TaskReadyData } from '../../shared/events/types.js';
import type { Task } from '../../shared/task/model.js';
import type { V1Job } from '@kubernetes/client-node';
import { validateTask } from '../../shared/task/validate.js';
import { isExternal } from '../../shared/task/model.js';

function readyData(event: CloudEvent<unknown>): TaskReadyData {
  const data = objectData(event, '{namespace, name, uid, prompt}');
  for (const field of ['namespace', 'name', 'uid', 'prompt'] as const) {
    if (typeof data[field] !== 'string' || (field !== 'prompt' && !data[field])) {
      throw new BadEventError(`dev.dendrite.task.ready needs a string "${field}"`);
    }
  }
  return data as unknown as TaskReadyData;
}

/**
 * Counted once per Task, where its Job is created. The wait for dependencies ends when the
 * last one succeeded, which is when task.ready was made (its `time`), not when it arrived here.
 */
function countLaunch(deps: FlowDeps, task: Task, event: CloudEvent<unknown>): void {
  const { namespace } = task.metadata;
  deps.metrics?.taskCreated.inc({ namespace, type: task.spec.type });
  if ((task.spec.dependsOn ?? []).length === 0) return;
  const waited = secondsBetween(task.metadata.creationTimestamp, event.time ?? deps.now());
  if (waited !== undefined) deps.metrics?.dependencyWait.observe({ namespace }, waited);
}

/** The uid of the Task that controls a Job, if a Task does. */
function ownerUid(job: V1Job | null): string | undefined {
  const owners = job?.metadata?.ownerReferences ?? [];
  return (owners.find((o) => o.kind === 'Task' && o.controller) ?? owners.find((o) => o.kind === 'Task'))?.uid;
}

/**
 * The prompt the releasing step recorded for this Task, or null when the index does not hold
 * it as released (nothing to launch: a late or repeated event, or one for an older
 * incarnation). An event whose prompt is not the recorded one is refused: the launcher
 * launches what Dendrite rendered, never what an event says.
 */
async function recordedPrompt(deps: FlowDeps, context: FlowContext, ready: TaskReadyData): Promise<string | null> {
  const entry = await deps.store.getForLaunch(ready.namespace, ready.name);
  if (!entry || entry.uid !== ready.uid) {
    context.log.info('Task is not released in the index under this uid; not launched');
    return null;
  }
  if (entry.state !== 'ready') {
    if (entry.state !== 'launched') context.log.info({ state: entry.state }, 'Task is not ready in the index; not launched');
    return null;
  }
  if (entry.prompt === null) {
    // Released but its prompt not recorded yet (the releasing step was interrupted): its
    // redelivery, or resync, records it.
    throw new TransientError(`no prompt is recorded for Task ${ready.name} yet; retrying`);
  }
  if (entry.prompt !== ready.prompt) {
    throw new RefusedEventError(
      'prompt-mismatch',
      `refused: this task.ready carries a prompt that is not the one Dendrite rendered for Task ${ready.namespace}/${ready.name}`,
    );
  }
  return entry.prompt;
}

/**
 * An external Task has no Job: task.ready announced it to the system that does its work, and it
 * is Running until that system reports its outcome (dev.dendrite.job.completed).
 */
async function startExternal(deps: FlowDeps, context: FlowContext, ready: TaskReadyData, task: Task, event: CloudEvent<unknown>): Promise<void> {
  const message = 'announced by dev.dendrite.task.ready; waiting for another system to report its outcome (dev.dendrite.job.completed)';
  const { written } = await updateStatus(
    deps,
    context,
    ready,
    (t) => (!isTerminal(t.status?.phase) && t.status?.phase !== 'Running' ? { phase: 'Running', startTime: deps.now().toISOString(), message } : null),
    { read: task },
  );
  if (written) {
    countLaunch(deps, task, event);
    await recordTaskEvent(deps, context, ready, { type: 'Normal', reason: 'TaskRunning', message });
  }
  await deps.store.markLaunched(ready.namespace, ready.name, ready.uid);
  context.log.info('external Task started');
}

export function createLauncherHandler(deps: FlowDeps, jobConfig: JobConfig) {
  return async function handleReady(event: CloudEvent<unknown>, handlerContext: HandlerContext): Promise<void> {
    const ready = readyData(event);
    const context: FlowContext = {
      log: handlerContext.forTask(ready.namespace, ready.name),
      traceparent: typeof event.traceparent === 'string' ? event.traceparent : undefined,
    };
    const task = await deps.cluster.getTask(ready.namespace, ready.name);
    if (!task || task.metadata.uid !== ready.uid) {
      context.log.info('Task gone or recreated since it became ready; not launched');
      return;
    }
    const launchable = (t: Task) => !isTerminal(t.status?.phase) && t.status?.phase !== 'Running';
    if (!launchable(task)) return;
    const prompt = await recordedPrompt(deps, context, ready);
    if (prompt === null) return;
    const validation = validateTask(task);
    if (!validation.ok) return; // task-intake fails invalid Tasks; nothing to launch
    if (isExternal(validation.task)) return startExternal(deps, context, ready, validation.task, event);
    // The Workspace and AgentConfig it names, as they are now: missing → it waits for them.
    const inputs = await readInputs(deps.cluster, validation.task);
    if ('missing' in inputs) {
      if ((await waitForReferences(deps, context, ready, task, inputs.missing)) === 'launched') {
        await deps.store.markLaunched(ready.namespace, ready.name, ready.uid);
      }
      return;
    }

    let job: ReturnType<typeof buildJob>;
    try {
      job = buildJob(validation.task, prompt, jobConfig, inputs.inputs);
    } catch (err) {
      if (!(err instanceof PermanentError)) throw err;
      await failTask(deps, context, ready, err.message, err instanceof UnusableInputError ? 'JobBuildFailed' : 'PromptTooLarge');
      return;
    }
    // Pending is written before the Job exists (written after, it could land on top of the
    // Running that job-status writes once the Job starts), conditionally on the version read:
    // a Running or a result written meanwhile is read again, and then nothing is launched.
    const pending = await updateStatus(
      deps,
      context,
      ready,
      (t) => (launchable(t) && t.status?.phase !== 'Pending' ? { phase: 'Pending', jobName: ready.name, message: 'Job created' } : null),
      { read: task },
    );
    if (!pending.task || !launchable(pending.task)) return;
    try {
      const created = await deps.cluster.createJob(job);
      if (created === 'created') {
        countLaunch(deps, task, event);
        await recordTaskEvent(deps, context, ready, { type: 'Normal', reason: 'JobCreated', message: `created Job ${ready.name}` });
      } else {
        const existing = await deps.cluster.getJob(ready.namespace, ready.name);
        const owner = ownerUid(existing);
        if (!existing) throw new TransientError(`Job ${ready.name} existed a moment ago and is gone; creating it again on retry`);
        if (owner !== ready.uid && owner !== undefined) {
          throw new TransientError(
            `Job ${ready.name} belongs to an earlier Task of that name (uid ${owner}); waiting for the garbage collector to delete it`,
          );
        }
        if (owner === undefined) {
          throw new PermanentError(`a Job named ${ready.name} already exists and is not this Task's — delete it, or rename the Task`);
        }
      }
    } catch (err) {
      if (!(err instanceof PermanentError)) throw err;
      // The API refused the Job itself (e.g. an invalid override): retrying cannot help.
      await failTask(deps, context, ready, `could not create the Job: ${err.message}`, 'TaskFailed');
      return;
    }
    await deps.store.markLaunched(ready.namespace, ready.name, ready.uid);
    context.log.info('Job launched');
  };
}
