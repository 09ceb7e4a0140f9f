/**
 * The port through which functions touch the cluster. Implemented by the Kubernetes adapter
 * (client-node) and by the local mode's adapter (Jobs as child processes).
 * Every method throws NotFoundError / PermanentError / TransientError (shared/errors.ts).
 */
import type { V1Job } from '@kubernetes/client-node';
import type { Task, TaskStatus } from '../task/model.js';

export interface TaskEventInput {
  type: 'Normal' | 'Warning';
  /** CamelCase reason, e.g. TaskCreated, TaskFailed, TemplateFailed. */
  reason: string;
  message: string;
}

export interface JobLog {
  podName: string;
  log: string;
}

export interface Cluster {
  /** Read a Task; null when it does not exist. */
  getTask(namespace: string, name: string): Promise<Task | null>;
  /** Merge-patch the Task's status subresource. NotFoundError when the Task is gone. */
  patchTaskStatus(namespace: string, name: string, status: TaskStatus): Promise<void>;
  /** Create a Job; an existing Job of that name is success (`exists`). */
  createJob(job: V1Job): Promise<'created' | 'exists'>;
  /** Read a Job; null when it does not exist. */
  getJob(namespace: string, name: string): Promise<V1Job | null>;
  /**
   * The last `tailBytes` of the agent container's log in the Job's newest pod
   * (found by label `job-name=<jobName>`). NotFoundError when there is no pod.
   */
  readJobLog(namespace: string, jobName: string, container: string, tailBytes: number): Promise<JobLog>;
  /** Record a Kubernetes Event whose involvedObject is the Task. */
  recordTaskEvent(task: { namespace: string; name: string; uid: string }, event: TaskEventInput): Promise<void>;
}
