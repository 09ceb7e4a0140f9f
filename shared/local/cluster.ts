/**
 * The Cluster port on one machine. Tasks and Secrets live in memory; a Job runs as a child
 * process. Like a real API server watched by ApiServerSource, every change to a Task or Job
 * is published as `dev.knative.apiserver.resource.*` with the whole object, so the functions
 * receive exactly the events they receive in a cluster.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { V1Job, V1JobCondition } from '@kubernetes/client-node';
import type { CloudEvent } from 'cloudevents';
import { ConflictError, type Cluster, type JobLog, type TaskEventInput } from '../cluster/cluster.js';
import { NotFoundError, PermanentError } from '../errors.js';
import { AGENT_CONFIG_PLURAL, type AgentConfig } from '../job/agent-config.js';
import { TASK_LABEL } from '../job/build.js';
import type { JobInputs } from '../job/inputs.js';
import { WORKSPACE_PLURAL, type Workspace } from '../job/workspace.js';
import { TASK_PLURAL, type Task, type TaskStatus } from '../task/model.js';
import type { AgentResolver } from './agents.js';
import { resourceEvent, type WatchEventKind } from './apiserver-events.js';
import { resolveJobEnv } from './job-env.js';
import { runPod, type RunningPod } from './pod/run.js';
import { jsonEqual, mergePatch } from './merge-patch.js';
import { OutputTail } from './output-tail.js';
import { createPager } from './pages.js';
import type { Leftover } from './leftovers.js';
import { readSecret, type SecretValues } from './secrets.js';
import { createSpawner, type Spawner } from './spawner.js';

export interface LocalClusterOptions {
  /** Where ApiServerSource would send the watch events: the broker's ingress. */
  publish: (event: CloudEvent<unknown>) => Promise<void>;
  /** The program (and leading arguments) that runs an agent of a type; the prompt follows. */
  agent: AgentResolver;
  /** The only variables agents get besides the Job's own: PATH and HOME. */
  baseEnv: Readonly<Record<string, string>>;
  /**
   * Where each Job's pod gets a directory of its own (`<podRoot>/<namespace>/<name>`): its
   * volumes, the Workspace's clone, and the empty directory an agent without one runs in.
   */
  podRoot: string;
  /** Where a Workspace's relative repository path is resolved (the directory `dendrite run` started in). */
  sourceDir: string;
  /** CloudEvent `source` of the watch events (ApiServerSource uses the API server URL). */
  apiServer?: string;
  defaultNamespace?: string;
  now?: () => Date;
  /** Pod log bytes kept per Job. */
  maxLogBytes?: number;
  onTaskChange?: (task: Task) => void;
  /** Sees each Task deleted (by its ttlSecondsAfterFinished), as it was last. */
  onTaskDeleted?: (task: Task) => void;
  onJobChange?: (job: V1Job) => void;
  /** `agent` is the agent type (the container's name, as in a cluster). */
  onAgentOutput?: (job: { namespace: string; name: string; agent: string }, chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  /** Called when a published watch event was refused (the broker is closed). */
  onPublishError?: (err: unknown, event: CloudEvent<unknown>) => void;
  /** Starts agent processes; by default through an agent spawner process of the cluster's own. */
  spawner?: Spawner;
}

/** What one Job's agent left running in sessions of their own (ended when it exited). */
export interface JobLeftovers {
  namespace: string;
  name: string;
  processes: Leftover[];
}

export interface RecordedTaskEvent extends TaskEventInput {
  namespace: string;
  name: string;
  uid: string;
  time: string;
}

export interface LocalCluster extends Cluster {
  /** Stores a Secret (as `kubectl apply` would); values stay in memory only. */
  applySecret(object: Record<string, unknown>): SecretValues;
  /** Creates a Task as the API server would (uid, timestamps; status dropped) and publishes `add`. */
  applyTask(object: Record<string, unknown>): Task;
  /** Creates a Workspace (or replaces one of that name, as `kubectl apply` would) and publishes the change. */
  applyWorkspace(object: Record<string, unknown>): Workspace;
  /** Creates an AgentConfig (or replaces one of that name) and publishes the change. */
  applyAgentConfig(object: Record<string, unknown>): AgentConfig;
  listTasks(): Task[];
  listJobs(): V1Job[];
  /** The argument the Job's agent is started with (its prompt), without copying the Job. */
  jobPrompt(namespace: string, name: string): string | undefined;
  /** The Kubernetes Events recorded on Tasks, oldest first. */
  readonly taskEvents: readonly RecordedTaskEvent[];
  /** Jobs not finished yet (their agents running or about to start). */
  runningJobs(): number;
  /** Ends every running agent (SIGTERM to its process group, SIGKILL after `graceMs`). */
  stopJobs(graceMs: number): Promise<void>;
  /** SIGKILL to every agent's process group, synchronously — for a process `exit` handler. */
  killJobsNow(): void;
  /** Processes agents left running outside their process group, which were ended. */
  leftovers(): JobLeftovers[];
  /** Where each Job's agent ran (its clone, or its own empty directory). */
  podDirectories(): PodDirectory[];
}

interface JobRecord {
  job: V1Job;
  podName: string;
  tail: OutputTail;
  /** Its pod, once it runs. */
  pod?: RunningPod;
  /** A terminal condition was written. */
  finished: boolean;
}

/** A Job's pod directory, and where its agent worked. */
export interface PodDirectory {
  namespace: string;
  name: string;
  workingDir: string;
}

const JOB_PLURAL = 'jobs';

const key = (namespace: string, name: string) => `${namespace}/${name}`;

function podSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...randomBytes(5)].map((b) => alphabet[b % alphabet.length]).join('');
}

export function createLocalCluster(options: LocalClusterOptions): LocalCluster {
  const now = options.now ?? (() => new Date());
  const apiServer = options.apiServer ?? 'https://127.0.0.1:6443';
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const maxLogBytes = options.maxLogBytes ?? 4 * 1024 * 1024;
  const tasks = new Map<string, Task>();
  const secrets = new Map<string, SecretValues>();
  const workspaces = new Map<string, Workspace>();
  const agentConfigs = new Map<string, AgentConfig>();
  const jobs = new Map<string, JobRecord>();
  /** Jobs deleted with their Task: their pod directories are still reported (--keep-workspaces). */
  const deletedJobs: JobRecord[] = [];
  const taskEvents: RecordedTaskEvent[] = [];
  const leftovers: JobLeftovers[] = [];
  const taskPages = createPager(tasks, (task: Task) => task);
  const jobPages = createPager(jobs, (record: JobRecord) => record.job);
  let unfinished = 0;
  const spawner = options.spawner ?? createSpawner();
  let resourceVersion = 1;

  const nextVersion = () => String(++resourceVersion);

  function publish(kind: WatchEventKind, object: { apiVersion?: string; kind?: string; metadata?: object }, plural: string): void {
    const event = resourceEvent(kind, object as never, plural, apiServer);
    options.publish(event).catch((err: unknown) => options.onPublishError?.(err, event));
  }

  /** Stores an object a Task can name, as the API server would, and publishes its add (or update). */
  function applyNamed<T extends { metadata: { name: string; namespace: string } }>(store: Map<string, T>, object: Record<string, unknown>, plural: string): T {
    const meta = (object.metadata ?? {}) as Record<string, unknown>;
    const name = String(meta.name ?? '');
    const namespace = typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : defaultNamespace;
    if (!name) throw new PermanentError(`a ${String(object.kind)} needs metadata.name`);
    const earlier = store.get(key(namespace, name)) as { metadata: Record<string, unknown> } | undefined;
    const stored = {
      ...structuredClone(object),
      metadata: {
        ...meta,
        name,
        namespace,
        uid: earlier?.metadata.uid ?? randomUUID(),
        creationTimestamp: earlier?.metadata.creationTimestamp ?? now().toISOString(),
        resourceVersion: nextVersion(),
      },
    } as unknown as T;
    store.set(key(namespace, name), stored);
    publish(earlier ? 'update' : 'add', stored as never, plural);
    return structuredClone(stored);
  }

  function taskChanged(kind: WatchEventKind, task: Task): void {
    options.onTaskChange?.(structuredClone(task));
    publish(kind, task, TASK_PLURAL);
  }

  function jobChanged(kind: WatchEventKind, record: JobRecord): void {
    options.onJobChange?.(structuredClone(record.job));
    publish(kind, record.job, JOB_PLURAL);
  }

  function updateJobStatus(record: JobRecord, status: V1Job['status']): void {
    record.job.status = status;
    record.job.metadata!.resourceVersion = nextVersion();
    jobChanged('update', record);
  }

  function condition(type: 'Complete' | 'Failed', reason?: string, message?: string): V1JobCondition {
    const at = now();
    return {
      type,
      status: 'True',
      lastProbeTime: at,
      lastTransitionTime: at,
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
    };
  }

  function finish(record: JobRecord, succeeded: boolean, reason?: string, message?: string): void {
    if (!record.finished) unfinished--;
    record.finished = true;
    const status: NonNullable<V1Job['status']> = { ...(record.job.status ?? {}) };
    delete status.active;
    status.ready = 0;
    if (succeeded) {
      status.succeeded = 1;
      status.completionTime = now();
      status.conditions = [condition('Complete')];
    } else {
      status.failed = 1;
      status.conditions = [condition('Failed', reason, message)];
    }
    updateJobStatus(record, status);
  }

  /** The Workspace and AgentConfig the Job's Task names, as they are now (the Job was built from them). */
  function inputsOf(job: V1Job): JobInputs {
    const task = tasks.get(key(job.metadata!.namespace!, job.metadata!.labels?.[TASK_LABEL] ?? ''));
    const namespace = job.metadata!.namespace!;
    const workspace = task?.spec.workspaceRef && workspaces.get(key(namespace, task.spec.workspaceRef.name));
    const agentConfig = task?.spec.agentConfigRef && agentConfigs.get(key(namespace, task.spec.agentConfigRef.name));
    return { ...(workspace ? { workspace: structuredClone(workspace) } : {}), ...(agentConfig ? { agentConfig: structuredClone(agentConfig) } : {}) };
  }

  /** The pod's containers' environments, Secrets resolved; throws JobEnvError (the pod cannot start). */
  function environments(job: V1Job): Map<string, Record<string, string>> {
    const spec = job.spec!.template.spec!;
    const namespace = job.metadata!.namespace!;
    const lookup = (ns: string, secret: string) => secrets.get(key(ns, secret));
    return new Map([...(spec.initContainers ?? []), ...spec.containers].map((c) => [c.name, resolveJobEnv(c.env, namespace, lookup, options.baseEnv)]));
  }

  /** Runs the Job's pod (pod/run.ts); the Job was created and its `add` event published already. */
  function run(record: JobRecord): void {
    const job = record.job;
    const namespace = job.metadata!.namespace!;
    const name = job.metadata!.name!;
    const fail = (reason: string, message: string) => {
      record.tail.append(Buffer.from(`dendrite: ${message}\n`));
      finish(record, false, reason, message);
    };
    const container = job.spec?.template.spec?.containers[0];
    if (!container) return fail('StartError', 'the Job has no container');
    let envs: Map<string, Record<string, string>>;
    let command: string[];
    try {
      envs = environments(job);
      command = [...options.agent(container.name as never, envs.get(container.name)?.AXON_MODEL || undefined), ...(container.args ?? [])];
    } catch (err) {
      return fail('CreateContainerConfigError', (err as Error).message);
    }
    record.pod = runPod({
      job,
      dir: join(options.podRoot, namespace, name),
      inputs: inputsOf(job),
      envs,
      command,
      sourceDir: options.sourceDir,
      spawner,
      hooks: {
        active: () => updateJobStatus(record, { active: 1, ready: 1, startTime: now() }),
        output: (chunk, stream) => {
          record.tail.append(chunk);
          options.onAgentOutput?.({ namespace, name, agent: container.name }, chunk, stream);
        },
        leftovers: (processes) => leftovers.push({ namespace, name, processes }),
        finished: (outcome) => (outcome.succeeded ? finish(record, true) : finish(record, false, outcome.reason, outcome.message)),
      },
    });
  }

  return {
    taskEvents,

    applySecret(object) {
      const secret = readSecret(object, defaultNamespace);
      secrets.set(key(secret.namespace, secret.name), secret);
      return secret;
    },

    async createTask(object) {
      if (tasks.has(key(object.metadata.namespace, object.metadata.name))) return { result: 'exists' };
      return { result: 'created', task: this.applyTask(object as unknown as Record<string, unknown>) };
    },

    applyTask(object) {
      const meta = { ...((object.metadata ?? {}) as Record<string, unknown>) };
      const name = String(meta.name ?? '');
      const namespace = typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : defaultNamespace;
      if (!name) throw new PermanentError('a Task needs metadata.name');
      if (tasks.has(key(namespace, name))) throw new PermanentError(`Task ${namespace}/${name} is given twice`);
      // The status subresource: what a manifest says about status is not applied.
      const { status: _ignored, ...rest } = structuredClone(object);
      const task = {
        ...rest,
        metadata: {
          ...meta,
          name,
          namespace,
          uid: randomUUID(),
          creationTimestamp: now().toISOString(),
          resourceVersion: nextVersion(),
          generation: 1,
        },
      } as unknown as Task;
      tasks.set(key(namespace, name), task);
      taskPages.changed();
      taskChanged('add', task);
      return structuredClone(task);
    },

    applyWorkspace: (object) => applyNamed(workspaces, object, WORKSPACE_PLURAL),
    applyAgentConfig: (object) => applyNamed(agentConfigs, object, AGENT_CONFIG_PLURAL),

    async getWorkspace(namespace, name) {
      const found = workspaces.get(key(namespace, name));
      return found ? structuredClone(found) : null;
    },

    async getAgentConfig(namespace, name) {
      const found = agentConfigs.get(key(namespace, name));
      return found ? structuredClone(found) : null;
    },

    listTasks: () => [...tasks.values()].map((t) => structuredClone(t)),
    listJobs: () => [...jobs.values()].map((r) => structuredClone(r.job)),
    jobPrompt: (namespace, name) => jobs.get(key(namespace, name))?.job.spec?.template.spec?.containers[0]?.args?.[0],

    async getTask(namespace, name) {
      const task = tasks.get(key(namespace, name));
      return task ? structuredClone(task) : null;
    },

    async deleteTask(namespace, name, uid) {
      const task = tasks.get(key(namespace, name));
      if (!task || task.metadata.uid !== uid) return 'gone';
      tasks.delete(key(namespace, name));
      taskPages.changed();
      // Its Job goes with it, as the garbage collector takes what the Task owns.
      const record = jobs.get(key(namespace, name));
      if (record && record.job.metadata?.ownerReferences?.some((o) => o.uid === uid)) {
        if (!record.finished) {
          record.finished = true;
          unfinished--;
          record.pod?.killNow();
        }
        jobs.delete(key(namespace, name));
        jobPages.changed();
        deletedJobs.push(record);
        publish('delete', record.job, JOB_PLURAL);
      }
      publish('delete', task, TASK_PLURAL);
      options.onTaskDeleted?.(structuredClone(task));
      return 'deleted';
    },

    async patchTaskStatus(namespace, name, status: TaskStatus, options = {}) {
      const task = tasks.get(key(namespace, name));
      if (!task) throw new NotFoundError(`Task ${namespace}/${name} not found`);
      if (options.resourceVersion !== undefined && options.resourceVersion !== task.metadata.resourceVersion) {
        throw new ConflictError(`Task ${namespace}/${name} changed since it was read`);
      }
      const merged = mergePatch(task.status ?? {}, status) as TaskStatus;
      // The API server writes no new version (and so sends no watch event) for a no-op patch.
      if (jsonEqual(merged, task.status ?? {})) return;
      task.status = merged;
      task.metadata.resourceVersion = nextVersion();
      taskChanged('update', task);
    },

    async createJob(job) {
      const namespace = job.metadata?.namespace ?? defaultNamespace;
      const name = job.metadata?.name;
      if (!name) throw new PermanentError('a Job needs metadata.name');
      if (jobs.has(key(namespace, name))) return 'exists';
      const stored: V1Job = structuredClone(job);
      stored.metadata = {
        ...stored.metadata,
        namespace,
        uid: randomUUID(),
        creationTimestamp: now(),
        resourceVersion: nextVersion(),
      };
      stored.status = {};
      const record: JobRecord = { job: stored, podName: `${name}-${podSuffix()}`, tail: new OutputTail(maxLogBytes), finished: false };
      jobs.set(key(namespace, name), record);
      jobPages.changed();
      unfinished++;
      jobChanged('add', record);
      // The pod starts after the create call has returned, as in a cluster.
      setImmediate(() => run(record));
      return 'created';
    },

    async listTaskPage(options) {
      return taskPages.page(options);
    },

    async listJobPage(options) {
      return jobPages.page(options);
    },

    async getJob(namespace, name) {
      const record = jobs.get(key(namespace, name));
      return record ? structuredClone(record.job) : null;
    },

    async readJobLog(namespace, jobName, _container, tailBytes): Promise<JobLog> {
      const record = jobs.get(key(namespace, jobName));
      if (!record) throw new NotFoundError(`no pod found for Job ${namespace}/${jobName}`);
      return { podName: record.podName, log: record.tail.tail(tailBytes) };
    },

    async recordTaskEvent(task, event) {
      taskEvents.push({ ...task, ...event, time: now().toISOString() });
    },

    // A Job counts from its creation (its agent starts a moment later) until its terminal status.
    runningJobs: () => unfinished,

    async stopJobs(graceMs) {
      await Promise.all([...jobs.values()].map((r) => r.pod?.stop(graceMs)));
    },

    killJobsNow() {
      for (const record of jobs.values()) record.pod?.killNow();
    },

    leftovers: () => leftovers.map((l) => ({ ...l, processes: [...l.processes] })),

    podDirectories: () =>
      [...jobs.values(), ...deletedJobs].flatMap((r) => (r.pod?.workingDir ? [{ namespace: r.job.metadata!.namespace!, name: r.job.metadata!.name!, workingDir: r.pod.workingDir }] : [])),
  };
}
