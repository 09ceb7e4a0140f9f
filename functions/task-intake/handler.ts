/**
 * task-intake: a Task was added, changed or deleted (ApiServerSource, Resource mode).
 * Registers it in the index in one atomic step and answers with what follows:
 * `task.ready` (reply), `Waiting`, or `Failed` with a message saying what to fix.
 */
import type { CloudEvent } from 'cloudevents';
import { BadEventError, objectData } from '../../shared/events/receive.js';
import { APISERVER_DELETE } from '../../shared/events/types.js';
import { PermanentError } from '../../shared/errors.js';
import type { FlowContext, FlowDeps } from '../../shared/flow/deps.js';
import { countCompleted } from '../../shared/flow/count.js';
import { failDependents, failTask, markFailed, type TaskIdentity } from '../../shared/flow/fail.js';
import { readyEvent } from '../../shared/flow/ready.js';
import { templateFailureMessage } from '../../shared/flow/render.js';
import { patchStatus } from '../../shared/flow/status.js';
import { recordTaskEvent } from '../../shared/flow/task-events.js';
import type { HandlerContext } from '../../shared/http/function-app.js';
import type { RegisterInput } from '../../shared/store/store.js';
import { TASK_GROUP, type Task } from '../../shared/task/model.js';
import { templateDialectOf, validateTask } from '../../shared/task/validate.js';
import { checkTemplate, TemplateError } from '../../shared/template/index.js';

/** Who the event is about, even when the rest of the Task is invalid. */
function identify(data: Record<string, unknown>): TaskIdentity {
  const apiVersion = typeof data.apiVersion === 'string' ? data.apiVersion : '';
  if (data.kind !== 'Task' || !apiVersion.startsWith(`${TASK_GROUP}/`)) {
    throw new BadEventError(`task-intake expects an ${TASK_GROUP} Task in the event data, got kind "${String(data.kind)}" (${apiVersion || 'no apiVersion'})`);
  }
  const meta = (data.metadata ?? {}) as Record<string, unknown>;
  const { namespace, name, uid } = meta;
  if (typeof namespace !== 'string' || typeof name !== 'string' || typeof uid !== 'string' || !namespace || !name || !uid) {
    throw new BadEventError('the Task in the event data must have metadata.namespace, metadata.name and metadata.uid');
  }
  return { namespace, name, uid };
}

/** What the cluster already records, so a rebuilt index neither re-runs nor forgets. */
function observedState(task: Task): RegisterInput['observed'] {
  switch (task.status?.phase) {
    case 'Succeeded':
      return { phase: 'Succeeded', outputs: task.status.outputs ?? null, results: task.status.results ?? null };
    case 'Failed':
      return { phase: 'Failed', message: task.status.message ?? 'Task failed' };
    case 'Pending':
    case 'Running':
      return { phase: 'Launched' };
    default:
      return undefined;
  }
}

/**
 * A Task no function has written a status to, and that the index does not hold under this uid:
 * this event is its first sighting, so `kubectl describe` gets one TaskCreated. (Two copies of
 * the same first event handled at the same instant could both see it; the Event is best-effort.)
 */
async function firstSighting(deps: FlowDeps, task: Task): Promise<boolean> {
  if (task.status?.phase) return false;
  const entry = await deps.store.get(task.metadata.namespace, task.metadata.name);
  return !entry || entry.uid !== task.metadata.uid;
}

function createdMessage(dependsOn: string[]): string {
  return dependsOn.length === 0 ? 'Task registered; no dependencies' : `Task registered; depends on ${dependsOn.join(', ')}`;
}

function alreadyFailedWith(data: Record<string, unknown>, message: string): boolean {
  const status = (data.status ?? {}) as Record<string, unknown>;
  return status.phase === 'Failed' && status.message === message;
}

export function createTaskIntakeHandler(deps: FlowDeps) {
  return async function handleTaskEvent(event: CloudEvent<unknown>, handlerContext: HandlerContext): Promise<CloudEvent<unknown> | void> {
    const data = objectData(event, 'a Task object');
    const identity = identify(data);
    const context: FlowContext = {
      log: handlerContext.forTask(identity.namespace, identity.name),
      traceparent: typeof event.traceparent === 'string' ? event.traceparent : undefined,
    };

    if (event.type === APISERVER_DELETE) {
      await deps.store.remove(identity.namespace, identity.name, identity.uid);
      context.log.info('Task deleted; removed from the index');
      return;
    }

    const validation = validateTask(data);
    if (!validation.ok) {
      const message = `invalid Task: ${validation.errors.join('; ')}`;
      // Our own Failed patch comes back as an update: already answered, nothing more to say.
      if (alreadyFailedWith(data, message)) return;
      await failTask(deps, context, identity, message, 'InvalidTask');
      // The Task is marked Failed; the 4xx tells the sender the event carried an unusable Task.
      throw new PermanentError(message);
    }
    const task = validation.task;
    const dependsOn = task.spec.dependsOn ?? [];
    const dialect = templateDialectOf(task);
    const observed = observedState(task);

    if (!observed && dependsOn.length > 0) {
      try {
        checkTemplate(task.spec.prompt, dialect);
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        // Found now, before any dependency spends anything on a Task that could never render.
        const message = templateFailureMessage(err);
        if (!alreadyFailedWith(data, message)) await failTask(deps, context, identity, message, 'TemplateFailed');
        return;
      }
    }

    const unseen = !observed && (await firstSighting(deps, task));
    const outcome = await deps.store.register({
      namespace: identity.namespace,
      name: identity.name,
      uid: identity.uid,
      dependsOn,
      template: task.spec.prompt,
      dialect,
      observed,
    });
    // A Task the cluster already records as launched or finished only refreshes the index
    // (after a Redis wipe); acting again would echo our own status patches back forever.
    if (observed) return;
    if (unseen && outcome.kind !== 'settled') {
      await recordTaskEvent(deps, context, identity, { type: 'Normal', reason: 'TaskCreated', message: createdMessage(dependsOn) });
    }

    switch (outcome.kind) {
      case 'settled':
        return;
      case 'ready':
        return (await readyEvent(deps, context, identity.namespace, outcome.task)) ?? undefined;
      case 'waiting': {
        const message = `Waiting for dependencies: ${outcome.pending.join(', ')}`;
        if (task.status?.phase === 'Waiting' && task.status.message === message) return;
        const firstTime = task.status?.phase !== 'Waiting';
        if (!(await patchStatus(deps, context, identity.namespace, identity.name, { phase: 'Waiting', message }))) return;
        if (firstTime) await recordTaskEvent(deps, context, identity, { type: 'Normal', reason: 'TaskWaiting', message });
        return;
      }
      case 'failed':
        if (!alreadyFailedWith(data, outcome.message)) {
          await markFailed(deps, context, identity, outcome.message, 'DependencyFailed');
          countCompleted(deps, identity.namespace, 'Failed', 1 + outcome.dependents.length);
        }
        await failDependents(deps, context, identity.namespace, outcome.dependents);
        return;
    }
  };
}
