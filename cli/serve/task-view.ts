/**
 * A Task as `dendrite serve` shows it, on `GET /api/tasks` and in every `task` message of
 * `GET /api/events`: the fields of `dendrite run --output json`, with where it lives, what it
 * waits for and when it ran, read from the Task as it is at that moment.
 */
import type { Task, TaskUsage } from '../../shared/task/model.js';
import type { JsonTask } from '../view/summary.js';

export interface TaskView extends JsonTask {
  namespace: string;
  type: string;
  uid: string;
  dependsOn: string[];
  startTime: string | null;
  completionTime: string | null;
}

export function taskView(task: Task, prompt: string | null): TaskView {
  const status = task.status ?? {};
  return {
    namespace: task.metadata.namespace,
    name: task.metadata.name,
    uid: task.metadata.uid,
    type: task.spec.type,
    phase: status.phase ?? '',
    message: status.message ?? null,
    dependsOn: task.spec.dependsOn ?? [],
    outputs: status.outputs ?? [],
    results: status.results ?? {},
    prompt,
    response: status.response ?? '',
    usage: (status.usage as TaskUsage | undefined) ?? null,
    startTime: status.startTime ?? null,
    completionTime: status.completionTime ?? null,
  };
}
