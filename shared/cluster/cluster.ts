/**
 * The port through which functions touch the cluster. Implemented by the Kubernetes adapter
 * (client-node) and by the local mode's adapter (Jobs as child processes).
 * Every method throws NotFoundError / PermanentError / TransientError (shared/errors.ts);
 * a failed precondition is a ConflictError, which is transient: read again and retry.
 */
import type { V1Job } from '@kubernetes/client-node';
import { TransientError } from '../errors.js';
import type { AgentConfig } from '../job/agent-config.js';
import type { Workspace } from '../job/workspace.js';
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

/**
 * The object changed since it was read (HTTP 409 Conflict): the write did not happen. Transient,
 * because reading the object again and deciding again is the cure.
 */
export class ConflictError extends TransientError {}

export interface StatusPatchOptions {
  /**
   * Write only if the Task is still at this resourceVersion (optimistic concurrency); otherwise
   * ConflictError. Lets a caller decide on what it read without a racing writer slipping in.
   */
  resourceVersion?: string;
}

/** One page of a list; `continueToken` is set when more pages follow. */
export interface ListPage<T> {
  items: T[];
  continueToken?: string;
}

export interface ListOptions {
  /** Only this namespace; every namespace the adapter can see when absent. */
  namespace?: string;
  /** From a previous page's `continueToken`. */
  continueToken?: string;
  /** Largest page; the adapter's default when absent. */
  limit?: number;
}

/** A Task to create: what a manifest holds (no uid, no status). */
export interface NewTask {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    /** A spawned Task is owned by its TaskSpawner (deleted with it). */
    ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
  };
  spec: Record<string, unknown>;
}

export interface Cluster {
  /** Read a Task; null when it does not exist. */
  getTask(namespace: string, name: string): Promise<Task | null>;
  /**
   * Create a Task as given (the API server gives it its uid); `exists` when a Task of that name
   * is there already — what it holds, getTask tells.
   */
  createTask(task: NewTask): Promise<{ result: 'created'; task: Task } | { result: 'exists' }>;
  /**
   * Delete the Task, only the incarnation `uid` names (a precondition: a Task recreated under
   * the name is left alone); its Job goes with it (owner reference). `gone` when there was no
   * such Task any more.
   */
  deleteTask(namespace: string, name: string, uid: string): Promise<'deleted' | 'gone'>;
  /** Merge-patch the Task's status subresource. NotFoundError when the Task is gone. */
  patchTaskStatus(namespace: string, name: string, status: TaskStatus, options?: StatusPatchOptions): Promise<void>;
  /** Create a Job; an existing Job of that name is success (`exists`) — whose it is, getJob tells. */
  createJob(job: V1Job): Promise<'created' | 'exists'>;
  /** Read a Job; null when it does not exist. */
  getJob(namespace: string, name: string): Promise<V1Job | null>;
  /** One page of Tasks, in a stable order (resync walks them all). */
  listTaskPage(options?: ListOptions): Promise<ListPage<Task>>;
  /** One page of the Jobs that run Tasks (label `axon.io/task`), in a stable order. */
  listJobPage(options?: ListOptions): Promise<ListPage<V1Job>>;
  /**
   * The last `tailBytes` of the agent container's log in the Job's newest pod
   * (found by label `job-name=<jobName>`). NotFoundError when there is no pod.
   */
  readJobLog(namespace: string, jobName: string, container: string, tailBytes: number): Promise<JobLog>;
  /** Read the Workspace a Task names; null when it does not exist. */
  getWorkspace(namespace: string, name: string): Promise<Workspace | null>;
  /** Read the AgentConfig a Task names; null when it does not exist. */
  getAgentConfig(namespace: string, name: string): Promise<AgentConfig | null>;
  /** Record a Kubernetes Event whose involvedObject is the Task. */
  recordTaskEvent(task: { namespace: string; name: string; uid: string }, event: TaskEventInput): Promise<void>;
}
