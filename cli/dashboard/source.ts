/**
 * What the dashboard shows, whichever system is behind it: the local engine of `dendrite run
 * --ui` and `dendrite serve` (local-source.ts), or a cluster read through client-node
 * (cluster-source.ts). One page, one data API (app.ts), these sources.
 */
import type { EventStream } from '../serve/event-stream.js';
import type { TaskView } from '../serve/task-view.js';

export interface TaskEventView {
  type: string;
  reason: string;
  message: string;
  count: number;
  time: string | null;
}

export interface TaskDetail {
  task: TaskView;
  /** The Task's spec as written. */
  spec: Record<string, unknown>;
  /** Its Kubernetes Events, oldest first. */
  events: TaskEventView[];
}

export interface TaskLog {
  /** null: no agent has run for the Task (no Job, no pod), so there is no log yet. */
  podName: string | null;
  /** The log's tail, each agent's format as lines for people. */
  lines: string[];
}

export interface DashboardSource {
  /** Every Task as it is now, oldest first. */
  tasks(): TaskView[];
  /** `task` (a TaskView) and `task-deleted` ({namespace, name}) messages, as they happen. */
  stream: EventStream;
  /** null: no such Task. */
  detail(namespace: string, name: string): Promise<TaskDetail | null>;
  /** null: no such Task. */
  log(namespace: string, name: string): Promise<TaskLog | null>;
}

/** How much of an agent's log the panel shows. */
export const LOG_TAIL_BYTES = 64 * 1024;

export const NO_LOG: TaskLog = { podName: null, lines: [] };
