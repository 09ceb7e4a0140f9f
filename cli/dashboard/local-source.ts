/**
 * The dashboard's view of a local session (`dendrite run --ui`, `dendrite serve`): Tasks, the
 * prompts their agents received, the Events the functions recorded and each agent's log, read
 * from the local engine. Task changes reach the stream through `taskChanged`, which the
 * session's onTaskChange calls.
 */
import { NotFoundError } from '../../shared/errors.js';
import type { Task } from '../../shared/task/model.js';
import type { LocalEngine } from '../engine.js';
import type { EventStream } from '../serve/event-stream.js';
import { taskView } from '../serve/task-view.js';
import { readableLog } from './readable-log.js';
import { LOG_TAIL_BYTES, NO_LOG, type DashboardSource } from './source.js';

export interface LocalDashboard extends DashboardSource {
  taskChanged(task: Task): void;
  /** Deleted (ttlSecondsAfterFinished): the page drops its node. */
  taskDeleted(task: Task): void;
}

/** `engine` is asked lazily: the session calls onTaskChange before it hands the engine back. */
export function localDashboardSource(engine: () => LocalEngine, stream: EventStream): LocalDashboard {
  const view = (task: Task) => taskView(task, engine().promptOf(task.metadata.namespace, task.metadata.name));
  return {
    stream,
    taskChanged: (task) => stream.send('task', view(task)),
    taskDeleted: (task) => stream.send('task-deleted', { namespace: task.metadata.namespace, name: task.metadata.name }),
    tasks: () => engine().cluster.listTasks().map(view),
    async detail(namespace, name) {
      const task = await engine().cluster.getTask(namespace, name);
      if (!task) return null;
      const events = engine()
        .cluster.taskEvents.filter((e) => e.uid === task.metadata.uid)
        .map((e) => ({ type: e.type, reason: e.reason, message: e.message, count: 1, time: e.time }));
      return { task: view(task), spec: task.spec as unknown as Record<string, unknown>, events };
    },
    async log(namespace, name) {
      const task = await engine().cluster.getTask(namespace, name);
      if (!task) return null;
      try {
        const log = await engine().cluster.readJobLog(namespace, task.status?.jobName ?? name, task.spec.type, LOG_TAIL_BYTES);
        return { podName: log.podName, lines: readableLog(task.spec.type, log.log) };
      } catch (err) {
        if (err instanceof NotFoundError) return NO_LOG;
        throw err;
      }
    },
  };
}
