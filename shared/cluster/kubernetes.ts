/**
 * The Cluster port on a real API server, through @kubernetes/client-node 1.x.
 *
 * Loading the client costs about half a second, so only entry points import this module, and
 * lazily; everything else sees the port (cluster.ts). Every call carries a timeout, and every
 * failure leaves as NotFoundError / PermanentError / TransientError (classify.ts).
 */
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  Observable,
  PatchStrategy,
  setHeaderOptions,
  type ConfigurationOptions,
  type KubeConfig,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
  type V1Job,
  type V1Pod,
} from '@kubernetes/client-node';
import { NotFoundError, PermanentError } from '../errors.js';
import { AGENT_CONFIG_PLURAL, type AgentConfig } from '../job/agent-config.js';
import { WORKSPACE_PLURAL, type Workspace } from '../job/workspace.js';
import { TASK_GROUP, TASK_PLURAL, TASK_VERSION, type Task } from '../task/model.js';
import { ConflictError, type Cluster, type ListPage } from './cluster.js';
import { classifyError, isApiException, statusOf } from './classify.js';
import { readLogTail } from './log-tail.js';
import { buildTaskEvent, REPORTING_COMPONENT } from './task-event.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** Page size of list calls when the caller names none: bounded memory per page. */
export const DEFAULT_LIST_LIMIT = 250;

/** The label every Task's Job carries (the Job builder sets it); resync lists Jobs by it. */
const TASK_JOB_SELECTOR = 'axon.io/task';

export interface KubernetesClusterOptions {
  /** Abort any single API request after this long (TransientError). Default 10 s. */
  requestTimeoutMs?: number;
  /** Events' reportingInstance, e.g. the pod name. Default `dendrite`. */
  reportingInstance?: string;
}

/**
 * Exactly the API calls this adapter makes, as RBAC sees them. The deployment's Role is derived
 * from this list, and a test checks it against the requests the adapter really sends.
 */
export const KUBERNETES_API_CALLS: ReadonlyArray<{ apiGroup: string; resource: string; verb: string }> = [
  { apiGroup: TASK_GROUP, resource: TASK_PLURAL, verb: 'get' },
  { apiGroup: TASK_GROUP, resource: TASK_PLURAL, verb: 'list' },
  { apiGroup: TASK_GROUP, resource: `${TASK_PLURAL}/status`, verb: 'patch' },
  // A finished Task is deleted ttlSecondsAfterFinished after it ends, as Axon does.
  { apiGroup: TASK_GROUP, resource: TASK_PLURAL, verb: 'delete' },
  // The launcher reads the Workspace and AgentConfig a Task names (never their Secrets).
  { apiGroup: TASK_GROUP, resource: WORKSPACE_PLURAL, verb: 'get' },
  { apiGroup: TASK_GROUP, resource: AGENT_CONFIG_PLURAL, verb: 'get' },
  { apiGroup: 'batch', resource: 'jobs', verb: 'create' },
  { apiGroup: 'batch', resource: 'jobs', verb: 'get' },
  { apiGroup: 'batch', resource: 'jobs', verb: 'list' },
  { apiGroup: '', resource: 'pods', verb: 'list' },
  { apiGroup: '', resource: 'pods/log', verb: 'get' },
  { apiGroup: '', resource: 'events', verb: 'create' },
];

/** What task-submit calls, alone: its own Role, so no other function may create Tasks. */
export const TASK_SUBMIT_API_CALLS: ReadonlyArray<{ apiGroup: string; resource: string; verb: string }> = [
  { apiGroup: TASK_GROUP, resource: TASK_PLURAL, verb: 'get' },
  { apiGroup: TASK_GROUP, resource: TASK_PLURAL, verb: 'create' },
];

function pass<T>(value: T): Observable<T> {
  return new Observable(Promise.resolve(value));
}

/** Per-request options that abort the request (headers and body) after `timeoutMs`. */
export function timeoutOptions(timeoutMs: number): ConfigurationOptions<ObservableMiddleware> {
  const middleware: ObservableMiddleware = {
    pre: (request: RequestContext) => {
      request.setSignal(AbortSignal.timeout(timeoutMs));
      return pass(request);
    },
    post: (response: ResponseContext) => pass(response),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}

/** A list response's items and continue token, whatever the list type. */
export function page<T>(list: { items?: T[]; metadata?: { _continue?: string; continue?: string } }): ListPage<T> {
  const token = list.metadata?._continue ?? list.metadata?.continue;
  return { items: list.items ?? [], ...(token ? { continueToken: token } : {}) };
}

function time(value: Date | string | undefined): number {
  if (value === undefined) return 0;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? 0 : ms;
}

/** The pod the Job started last: by creation time, then start time, then name. */
export function newestPod(pods: V1Pod[]): V1Pod | undefined {
  return [...pods].sort((a, b) => {
    return (
      time(b.metadata?.creationTimestamp) - time(a.metadata?.creationTimestamp) ||
      time(b.status?.startTime) - time(a.status?.startTime) ||
      (b.metadata?.name ?? '').localeCompare(a.metadata?.name ?? '')
    );
  })[0];
}

export function createKubernetesCluster(kc: KubeConfig, options: KubernetesClusterOptions = {}): Cluster {
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const reportingInstance = options.reportingInstance ?? REPORTING_COMPONENT;
  const core = kc.makeApiClient(CoreV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const withTimeout = timeoutOptions(timeoutMs);
  // client-node's patch calls default to JSON Patch; a status update is a merge patch.
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch, withTimeout);

  async function call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw classifyError(err, what, { timeoutMs });
    }
  }

  /** Like `call`, but a missing object is an answer (null), not an error. */
  async function read<T>(what: string, request: () => Promise<T>): Promise<T | null> {
    try {
      return await call(what, request);
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  /** A custom object of Axon's group; null when it does not exist. */
  async function readCustom(kind: string, plural: string, namespace: string, name: string): Promise<unknown> {
    return read(`get ${kind} ${namespace}/${name}`, () =>
      custom.getNamespacedCustomObject({ group: TASK_GROUP, version: TASK_VERSION, namespace, plural, name }, withTimeout),
    );
  }

  return {
    async getTask(namespace, name) {
      return (await readCustom('Task', TASK_PLURAL, namespace, name)) as Task | null;
    },

    async getWorkspace(namespace, name) {
      return (await readCustom('Workspace', WORKSPACE_PLURAL, namespace, name)) as Workspace | null;
    },

    async getAgentConfig(namespace, name) {
      return (await readCustom('AgentConfig', AGENT_CONFIG_PLURAL, namespace, name)) as AgentConfig | null;
    },

    async deleteTask(namespace, name, uid) {
      try {
        await call(`delete Task ${namespace}/${name}`, () =>
          custom.deleteNamespacedCustomObject(
            // Background: the Task goes now, its Job (owned by it) after, as kubectl delete does.
            { group: TASK_GROUP, version: TASK_VERSION, namespace, plural: TASK_PLURAL, name, body: { preconditions: { uid }, propagationPolicy: 'Background' } },
            withTimeout,
          ),
        );
        return 'deleted';
      } catch (err) {
        // Gone, or the precondition failed (409): another incarnation holds the name now.
        if (err instanceof NotFoundError || err instanceof ConflictError) return 'gone';
        throw err;
      }
    },

    async patchTaskStatus(namespace, name, status, options = {}) {
      // A resourceVersion in a patch is a precondition: the API server answers 409 Conflict
      // when the object moved on since the caller read it.
      const body = options.resourceVersion ? { metadata: { resourceVersion: options.resourceVersion }, status } : { status };
      await call(`patch status of Task ${namespace}/${name}`, () =>
        custom.patchNamespacedCustomObjectStatus(
          { group: TASK_GROUP, version: TASK_VERSION, namespace, plural: TASK_PLURAL, name, body },
          mergePatch,
        ),
      );
    },

    async listTaskPage(options = {}) {
      const { namespace, continueToken } = options;
      const query = { group: TASK_GROUP, version: TASK_VERSION, plural: TASK_PLURAL, limit: options.limit ?? DEFAULT_LIST_LIMIT, _continue: continueToken };
      const list: unknown = await call(`list Tasks${namespace ? ` in ${namespace}` : ''}`, () =>
        namespace
          ? custom.listNamespacedCustomObject({ ...query, namespace }, withTimeout)
          : custom.listClusterCustomObject(query, withTimeout),
      );
      return page(list as { items?: Task[]; metadata?: { continue?: string } });
    },

    async listJobPage(options = {}) {
      const { namespace, continueToken } = options;
      const query = { labelSelector: TASK_JOB_SELECTOR, limit: options.limit ?? DEFAULT_LIST_LIMIT, _continue: continueToken };
      const list = await call(`list Jobs${namespace ? ` in ${namespace}` : ''}`, () =>
        namespace ? batch.listNamespacedJob({ ...query, namespace }, withTimeout) : batch.listJobForAllNamespaces(query, withTimeout),
      );
      return page(list);
    },

    async createTask(task) {
      const { namespace, name } = task.metadata;
      try {
        const created: unknown = await custom.createNamespacedCustomObject(
          { group: TASK_GROUP, version: TASK_VERSION, namespace, plural: TASK_PLURAL, body: task },
          withTimeout,
        );
        return { result: 'created', task: created as Task };
      } catch (err) {
        if (isApiException(err) && err.code === 409 && (statusOf(err.body).reason ?? 'AlreadyExists') === 'AlreadyExists') return { result: 'exists' };
        throw classifyError(err, `create Task ${namespace}/${name}`, { timeoutMs });
      }
    },

    async createJob(job: V1Job) {
      const namespace = job.metadata?.namespace;
      const name = job.metadata?.name;
      if (!namespace || !name) throw new PermanentError('create Job: the Job needs metadata.name and metadata.namespace');
      try {
        await batch.createNamespacedJob({ namespace, body: job }, withTimeout);
        return 'created';
      } catch (err) {
        // 409 AlreadyExists: an earlier delivery (or one whose answer we never saw) created it.
        if (isApiException(err) && err.code === 409) {
          const reason = statusOf(err.body).reason;
          if (reason === undefined || reason === 'AlreadyExists') return 'exists';
        }
        throw classifyError(err, `create Job ${namespace}/${name}`, { timeoutMs });
      }
    },

    async getJob(namespace, name) {
      return read(`get Job ${namespace}/${name}`, () => batch.readNamespacedJob({ namespace, name }, withTimeout));
    },

    async readJobLog(namespace, jobName, container, tailBytes) {
      const pods = await call(`list pods of Job ${namespace}/${jobName}`, () =>
        core.listNamespacedPod({ namespace, labelSelector: `job-name=${jobName}` }, withTimeout),
      );
      const podName = newestPod(pods.items)?.metadata?.name;
      if (!podName) throw new NotFoundError(`read log of Job ${namespace}/${jobName}: the Job has no pod`);
      const what = `read log of container ${container} in pod ${namespace}/${podName}`;
      const log = await readLogTail(
        (tailLines, limitBytes) =>
          call(what, () =>
            core.readNamespacedPodLog({ namespace, name: podName, container, tailLines, limitBytes }, withTimeout),
          ),
        tailBytes,
      );
      return { podName, log };
    },

    async recordTaskEvent(task, event) {
      const body = buildTaskEvent(task, event, { reportingInstance });
      await call(`record event ${event.reason} on Task ${task.namespace}/${task.name}`, () =>
        core.createNamespacedEvent({ namespace: task.namespace, body }, withTimeout),
      );
    },
  };
}
