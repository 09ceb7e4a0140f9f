/**
 * The spawner's port (spawner/port.ts) on a real API server: TaskSpawners listed, read and
 * their status merge-patched, through client-node like the Cluster adapter (kubernetes.ts).
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { NotFoundError } from '../errors.js';
import { SPAWNER_PLURAL, type TaskSpawner } from '../spawner/model.js';
import type { SpawnerCluster } from '../spawner/port.js';
import { WORKSPACE_PLURAL } from '../job/workspace.js';
import { TASK_GROUP, TASK_PLURAL, TASK_VERSION } from '../task/model.js';
import { classifyError } from './classify.js';
import { DEFAULT_LIST_LIMIT, DEFAULT_REQUEST_TIMEOUT_MS, page, timeoutOptions } from './kubernetes.js';

/** Exactly the API calls the task-spawner function makes (its Role; a test keeps them equal). */
export const TASK_SPAWNER_API_CALLS: ReadonlyArray<{ apiGroup: string; resource: string; verb: string }> = [
  { apiGroup: TASK_GROUP, resource: SPAWNER_PLURAL, verb: 'get' },
  { apiGroup: TASK_GROUP, resource: SPAWNER_PLURAL, verb: 'list' },
  { apiGroup: TASK_GROUP, resource: `${SPAWNER_PLURAL}/status`, verb: 'patch' },
  // Spawned Tasks are created like task-submit's: AlreadyExists is success. A GitHub item's
  // Task is looked up first, so that comments are read only for new ones.
  { apiGroup: TASK_GROUP, resource: TASK_PLURAL, verb: 'create' },
  { apiGroup: TASK_GROUP, resource: TASK_PLURAL, verb: 'get' },
  // The repository a githubIssues spawner reads is its Workspace's (its Secret is not read).
  { apiGroup: TASK_GROUP, resource: WORKSPACE_PLURAL, verb: 'get' },
];

export function createKubernetesSpawners(kc: KubeConfig, requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): SpawnerCluster {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const withTimeout = timeoutOptions(requestTimeoutMs);
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch, withTimeout);
  const base = { group: TASK_GROUP, version: TASK_VERSION, plural: SPAWNER_PLURAL };

  async function call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw classifyError(err, what, { timeoutMs: requestTimeoutMs });
    }
  }

  return {
    async listTaskSpawnerPage(options = {}) {
      const { namespace, continueToken } = options;
      const query = { ...base, limit: options.limit ?? DEFAULT_LIST_LIMIT, _continue: continueToken };
      const list: unknown = await call(`list TaskSpawners${namespace ? ` in ${namespace}` : ''}`, () =>
        namespace ? custom.listNamespacedCustomObject({ ...query, namespace }, withTimeout) : custom.listClusterCustomObject(query, withTimeout),
      );
      return page(list as { items?: TaskSpawner[] });
    },

    async getTaskSpawner(namespace, name) {
      try {
        return (await call(`get TaskSpawner ${namespace}/${name}`, () => custom.getNamespacedCustomObject({ ...base, namespace, name }, withTimeout))) as TaskSpawner;
      } catch (err) {
        if (err instanceof NotFoundError) return null;
        throw err;
      }
    },

    async patchTaskSpawnerStatus(namespace, name, status, options = {}) {
      const body = options.resourceVersion ? { metadata: { resourceVersion: options.resourceVersion }, status } : { status };
      await call(`patch status of TaskSpawner ${namespace}/${name}`, () =>
        custom.patchNamespacedCustomObjectStatus({ ...base, namespace, name, body }, mergePatch),
      );
    },
  };
}
