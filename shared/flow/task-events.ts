/**
 * Kubernetes Events on Tasks are the story `kubectl describe task` tells. They are
 * best-effort: losing one must never fail (and so re-run) the handling of a CloudEvent.
 */
import type { TaskEventInput } from '../cluster/cluster.js';
import type { FlowContext, FlowDeps } from './deps.js';

export async function recordTaskEvent(
  deps: FlowDeps,
  context: FlowContext,
  task: { namespace: string; name: string; uid: string },
  event: TaskEventInput,
): Promise<void> {
  try {
    await deps.cluster.recordTaskEvent(task, event);
  } catch (err) {
    context.log.warn({ err: (err as Error).message, task: task.name, reason: event.reason }, 'could not record Kubernetes Event');
  }
}
