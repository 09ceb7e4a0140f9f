/**
 * A minimal in-process Cluster for the benchmarks: Tasks and Jobs in maps, pod logs canned.
 * The fake API server of test/support costs a real HTTP round trip and client-node's
 * serialisation per call (~1 ms); here the point is the per-event cost of our own code and
 * Redis, so the cluster costs next to nothing. Every change can be observed (ApiServerSource
 * stand-in) through `onChange`.
 */
import { randomUUID } from 'node:crypto';
import type { V1Job } from '@kubernetes/client-node';
import {
  ConflictError,
  type Cluster,
  type NewTask,
  type JobLog,
  type ListOptions,
  type ListPage,
  type StatusPatchOptions,
  type TaskEventInput,
} from '../../shared/cluster/cluster.js';
import { NotFoundError } from '../../shared/errors.js';
import type { Task, TaskStatus } from '../../shared/task/model.js';

export type ClusterChange = { kind: 'Task'; object: Task } | { kind: 'Job'; object: V1Job };

export interface MemoryClusterOptions {
  /** The pod log every Job's agent container "printed". */
  log: (namespace: string, jobName: string) => string;
  onChange?: (change: ClusterChange) => void;
}

export class MemoryCluster implements Cluster {
  readonly tasks = new Map<string, Task>();
  readonly jobs = new Map<string, V1Job>();
  taskEvents = 0;
  patches = 0;
  private version = 0;

  constructor(private readonly options: MemoryClusterOptions) {}

  private static key(namespace: string, name: string): string {
    return `${namespace}/${name}`;
  }

  putTask(task: Task): Task {
    const stored: Task = { ...task, metadata: { ...task.metadata, resourceVersion: String(++this.version) } };
    this.tasks.set(MemoryCluster.key(task.metadata.namespace, task.metadata.name), stored);
    return stored;
  }

  async createTask(task: NewTask): Promise<{ result: 'created'; task: Task } | { result: 'exists' }> {
    if (this.tasks.has(MemoryCluster.key(task.metadata.namespace, task.metadata.name))) return { result: 'exists' };
    const stored = this.putTask({ ...task, metadata: { ...task.metadata, uid: randomUUID() } } as unknown as Task);
    return { result: 'created', task: stored };
  }

  async getTask(namespace: string, name: string): Promise<Task | null> {
    return this.tasks.get(MemoryCluster.key(namespace, name)) ?? null;
  }

  async deleteTask(namespace: string, name: string, uid: string): Promise<'deleted' | 'gone'> {
    const key = MemoryCluster.key(namespace, name);
    if (this.tasks.get(key)?.metadata.uid !== uid) return 'gone';
    this.tasks.delete(key);
    this.jobs.delete(key);
    return 'deleted';
  }

  async patchTaskStatus(namespace: string, name: string, status: TaskStatus, options: StatusPatchOptions = {}): Promise<void> {
    const key = MemoryCluster.key(namespace, name);
    const task = this.tasks.get(key);
    if (!task) throw new NotFoundError(`Task ${key} not found`);
    if (options.resourceVersion !== undefined && options.resourceVersion !== task.metadata.resourceVersion) {
      throw new ConflictError(`Task ${key} changed since resourceVersion ${options.resourceVersion}`);
    }
    this.patches++;
    const updated = this.putTask({ ...task, status: { ...task.status, ...status } });
    this.options.onChange?.({ kind: 'Task', object: updated });
  }

  async listTaskPage(options: ListOptions = {}): Promise<ListPage<Task>> {
    return { items: [...this.tasks.values()].filter((t) => !options.namespace || t.metadata.namespace === options.namespace) };
  }

  async listJobPage(options: ListOptions = {}): Promise<ListPage<V1Job>> {
    return { items: [...this.jobs.values()].filter((j) => !options.namespace || j.metadata?.namespace === options.namespace) };
  }

  async createJob(job: V1Job): Promise<'created' | 'exists'> {
    const key = MemoryCluster.key(job.metadata?.namespace ?? '', job.metadata?.name ?? '');
    if (this.jobs.has(key)) return 'exists';
    this.jobs.set(key, job);
    this.options.onChange?.({ kind: 'Job', object: job });
    return 'created';
  }

  /** A Job as the API server would hold it (e.g. one a kubelet just finished). */
  putJob(job: V1Job): V1Job {
    this.jobs.set(MemoryCluster.key(job.metadata?.namespace ?? '', job.metadata?.name ?? ''), job);
    return job;
  }

  async getJob(namespace: string, name: string): Promise<V1Job | null> {
    return this.jobs.get(MemoryCluster.key(namespace, name)) ?? null;
  }

  async readJobLog(namespace: string, jobName: string): Promise<JobLog> {
    return { podName: `${jobName}-pod`, log: this.options.log(namespace, jobName) };
  }

  /** The benchmarks' Tasks name no Workspace or AgentConfig. */
  async getWorkspace(): Promise<null> {
    return null;
  }

  async getAgentConfig(): Promise<null> {
    return null;
  }

  async recordTaskEvent(_task: { namespace: string; name: string; uid: string }, _event: TaskEventInput): Promise<void> {
    this.taskEvents++;
  }
}
