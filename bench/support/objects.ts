/** Tasks, Jobs, agent logs and ApiServerSource events as the benchmarks feed them in. */
import { randomUUID } from 'node:crypto';
import type { V1Job } from '@kubernetes/client-node';
import type { CloudEvent } from 'cloudevents';
import { buildJob, DEFAULT_JOB_CONFIG } from '../../shared/job/build.js';
import { resourceEvent, type WatchEventKind } from '../../shared/local/apiserver-events.js';
import { TASK_API_VERSION, TASK_KIND, type Task } from '../../shared/task/model.js';

/** The `source` ApiServerSource puts on its events: the API server's URL. */
export const API_SOURCE = 'https://kubernetes.default.svc';

export function makeTask(namespace: string, name: string, dependsOn: string[], prompt: string, uid: string = randomUUID()): Task {
  return {
    apiVersion: TASK_API_VERSION,
    kind: TASK_KIND,
    metadata: { namespace, name, uid, creationTimestamp: new Date().toISOString() },
    spec: {
      type: 'claude-code',
      prompt,
      credentials: { type: 'api-key', secretRef: { name: 'agent-key' } },
      ...(dependsOn.length > 0 ? { dependsOn } : {}),
    },
  };
}

/** The Job the launcher builds for the Task (same builder), with no status yet. */
export function jobFor(task: Task, prompt = task.spec.prompt): V1Job {
  return buildJob(task, prompt, DEFAULT_JOB_CONFIG);
}

// Statuses as the API server serialises them (times as RFC 3339 strings, not client-node's Dates).
export function activeJob(job: V1Job): V1Job {
  return { ...job, status: { active: 1, startTime: new Date().toISOString() } } as unknown as V1Job;
}

export function completedJob(job: V1Job): V1Job {
  const at = new Date().toISOString();
  return {
    ...job,
    status: {
      ...job.status,
      active: 0,
      succeeded: 1,
      completionTime: at,
      conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: at }],
    },
  } as unknown as V1Job;
}

/** What an agent prints at the end: two output lines, one of them a result. */
export function agentLog(name: string): string {
  return `working on ${name}\n---AXON_OUTPUTS_START---\nbranch: work/${name}\nsummary of ${name}\n---AXON_OUTPUTS_END---\n`;
}

export function jobEvent(kind: WatchEventKind, job: V1Job): CloudEvent<unknown> {
  return resourceEvent(kind, job as never, 'jobs', API_SOURCE);
}

export function taskEvent(kind: WatchEventKind, task: Task): CloudEvent<unknown> {
  return resourceEvent(kind, task, 'tasks', API_SOURCE);
}

/** The load benchmark's Tasks: known to both processes by index alone. */
export const LOAD_NAMESPACE = 'load';

export function loadTask(i: number): Task {
  return makeTask(LOAD_NAMESPACE, `task-${i}`, [], `Do part ${i} of the work.`, `uid-${i}`);
}
