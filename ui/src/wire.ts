/**
 * What the dashboard's data API sends (cli/dashboard/): the same shapes whichever source is
 * behind it — a local run, `dendrite serve`, or a cluster. The server's own types, used as is.
 */
export type { TaskDetail, TaskEventView, TaskLog } from '../../cli/dashboard/source.js';
export type { TaskView } from '../../cli/serve/task-view.js';
export type { TaskUsage as Usage } from '../../shared/task/model.js';

export const keyOf = (t: { namespace: string; name: string }) => `${t.namespace}/${t.name}`;
