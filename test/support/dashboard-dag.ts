/**
 * A dashboard source of made-up Tasks, for the page's tests and benchmark: a layered DAG of
 * any size, held in memory, changed at will, served by the real dashboard server and page.
 */
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { DashboardSource, TaskDetail } from '../../cli/dashboard/source.js';
import { startDashboardServer, type DashboardServer } from '../../cli/dashboard/server.js';
import { EventStream } from '../../cli/serve/event-stream.js';
import type { TaskView } from '../../cli/serve/task-view.js';

/** dist/ui, the page `npm run build` made (this file runs from dist/test/support/). */
export const UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

export function taskViewOf(name: string, fields: Partial<TaskView> = {}): TaskView {
  return {
    namespace: 'default',
    name,
    uid: `uid-${name}`,
    type: 'claude-code',
    phase: 'Waiting',
    message: null,
    dependsOn: [],
    outputs: [],
    results: {},
    prompt: null,
    response: '',
    usage: null,
    startTime: null,
    completionTime: null,
    ...fields,
  };
}

/** `count` Tasks in layers of `width`; each depends on up to three Tasks of the layer before. */
export function layeredDag(count: number, width = 50): TaskView[] {
  const name = (i: number) => `task-${String(i).padStart(4, '0')}`;
  return Array.from({ length: count }, (_, i) => {
    const layer = Math.floor(i / width);
    const deps = layer === 0 ? [] : [...new Set([0, 7, 19].map((k) => (layer - 1) * width + ((i + k) % width)))].map(name);
    return taskViewOf(name(i), { dependsOn: deps, phase: layer === 0 ? 'Running' : 'Waiting', startTime: layer === 0 ? new Date().toISOString() : null });
  });
}

export interface MemorySource extends DashboardSource {
  /** Replaces a Task's view and streams the change, as a session's onTaskChange would. */
  set(task: TaskView): void;
  /** Forgets a Task and streams its deletion, as a cluster's informer would. */
  remove(namespace: string, name: string): void;
}

export function memorySource(tasks: TaskView[]): MemorySource {
  const byKey = new Map(tasks.map((t) => [`${t.namespace}/${t.name}`, t]));
  const stream = new EventStream();
  return {
    stream,
    tasks: () => [...byKey.values()],
    set(task) {
      byKey.set(`${task.namespace}/${task.name}`, task);
      stream.send('task', task);
    },
    remove(namespace, name) {
      byKey.delete(`${namespace}/${name}`);
      stream.send('task-deleted', { namespace, name });
    },
    async detail(namespace, name): Promise<TaskDetail | null> {
      const task = byKey.get(`${namespace}/${name}`);
      return task ? { task, spec: { type: task.type, prompt: task.prompt ?? '', dependsOn: task.dependsOn }, events: [] } : null;
    },
    async log(namespace, name) {
      const task = byKey.get(`${namespace}/${name}`);
      return task ? { podName: `${name}-pod`, lines: [`log of ${name}`, ...task.outputs] } : null;
    },
  };
}

export async function serveSource(source: DashboardSource): Promise<DashboardServer> {
  return startDashboardServer({ source, uiDir: UI_DIR, log: pino({ level: 'silent' }), port: 0 });
}
