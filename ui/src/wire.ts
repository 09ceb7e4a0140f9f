/**
 * What the dashboard's data API sends (cli/dashboard/): the same shapes whichever source is
 * behind it — a local run, `dendrite serve`, or a cluster. TaskView mirrors cli/serve/task-view.ts.
 */

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  costUSD?: number;
}

export interface TaskView {
  namespace: string;
  name: string;
  uid: string;
  type: string;
  phase: string;
  message: string | null;
  dependsOn: string[];
  outputs: string[];
  results: Record<string, string>;
  prompt: string | null;
  response: string;
  usage: Usage | null;
  startTime: string | null;
  completionTime: string | null;
}

export interface TaskEventView {
  type: string;
  reason: string;
  message: string;
  count: number;
  time: string | null;
}

/** GET /api/tasks/:namespace/:name */
export interface TaskDetail {
  task: TaskView;
  spec: Record<string, unknown>;
  events: TaskEventView[];
}

/** GET /api/tasks/:namespace/:name/log */
export interface TaskLog {
  /** null: no agent has run for the Task yet. */
  podName: string | null;
  /** Each agent's format as lines for people. */
  lines: string[];
}

export const keyOf = (t: { namespace: string; name: string }) => `${t.namespace}/${t.name}`;
