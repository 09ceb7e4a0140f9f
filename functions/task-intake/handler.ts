/**
 * task-intake: a Task was added, changed or deleted (ApiServerSource, Resource mode).
 * Registers it in the index in one atomic step and answers with what follows
 * (shared/flow/intake.ts): `task.ready` (reply), `Waiting`, or `Failed` with a message saying
 * what to fix. A delete forgets the Task (only the incarnation the event names).
 */
import type { CloudEvent } from 'cloudevents';
import { BadEventError, objectData } from '../../shared/events/receive.js';
import { APISERVER_DELETE } from '../../shared/events/types.js';
import type { FlowContext, FlowDeps } from '../../shared/flow/deps.js';
import { intakeTask, type TaskIdentity } from '../../shared/flow/intake.js';
import type { HandlerContext } from '../../shared/http/function-app.js';
import { TASK_GROUP } from '../../shared/task/model.js';

/** Who the event is about, even when the rest of the Task is invalid. */
function identify(data: Record<string, unknown>): TaskIdentity {
  const apiVersion = typeof data.apiVersion === 'string' ? data.apiVersion : '';
  if (data.kind !== 'Task' || !apiVersion.startsWith(`${TASK_GROUP}/`)) {
    throw new BadEventError(`task-intake expects an ${TASK_GROUP} Task in the event data, got kind "${String(data.kind).slice(0, 80)}" (${apiVersion.slice(0, 80) || 'no apiVersion'})`);
  }
  const meta = (data.metadata ?? {}) as Record<string, unknown>;
  const { namespace, name, uid } = meta;
  if (typeof namespace !== 'string' || typeof name !== 'string' || typeof uid !== 'string' || !namespace || !name || !uid) {
    throw new BadEventError('the Task in the event data must have metadata.namespace, metadata.name and metadata.uid');
  }
  return { namespace, name, uid };
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
      // Only what is really gone is forgotten: a delete event for a Task that still exists
      // under that uid is not the cluster's word, and changes nothing.
      const current = await deps.cluster.getTask(identity.namespace, identity.name);
      if (current && current.metadata.uid === identity.uid) {
        context.log.warn('delete event for a Task that still exists; ignored');
        return;
      }
      // When it went: the source saw it then (the event's time), never later than now.
      const seen = Date.parse(typeof event.time === 'string' ? event.time : '');
      const now = deps.now().getTime();
      await deps.store.remove(identity.namespace, identity.name, identity.uid, Number.isNaN(seen) ? now : Math.min(seen, now));
      context.log.info('Task deleted; a tombstone in the index');
      return;
    }
    const result = await intakeTask(deps, context, identity, data);
    return result.ready;
  };
}
