/** Writing Task.status, tolerating a Task that was deleted meanwhile. */
import { NotFoundError } from '../errors.js';
import type { TaskStatus } from '../task/model.js';
import type { FlowContext, FlowDeps } from './deps.js';

/** Merge-patch the status; false when the Task no longer exists (nothing left to update). */
export async function patchStatus(
  deps: FlowDeps,
  context: FlowContext,
  namespace: string,
  name: string,
  status: TaskStatus,
): Promise<boolean> {
  try {
    await deps.cluster.patchTaskStatus(namespace, name, status);
    return true;
  } catch (err) {
    if (err instanceof NotFoundError) {
      context.log.info({ task: name, namespace }, 'Task is gone; status not written');
      return false;
    }
    throw err;
  }
}
