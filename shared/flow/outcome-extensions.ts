/** The extension attributes of a Task's outcome events (task.succeeded / task.failed). */
import { TASKSPAWNER_EXTENSION } from '../events/types.js';
import { SPAWNER_LABEL } from '../spawner/model.js';
import type { Task } from '../task/model.js';

export function outcomeExtensions(task: Pick<Task, 'metadata'>): Record<string, string> {
  const spawner = task.metadata.labels?.[SPAWNER_LABEL];
  return spawner ? { [TASKSPAWNER_EXTENSION]: spawner } : {};
}
