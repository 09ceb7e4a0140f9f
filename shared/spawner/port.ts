/**
 * What the spawner reads and writes besides Tasks: TaskSpawners and their status. Implemented
 * on the API server (cluster/kubernetes-spawners.ts) and in the local mode (local/spawners.ts).
 * Errors as the Cluster port's: NotFoundError / PermanentError / TransientError, ConflictError
 * for a failed resourceVersion precondition.
 */
import type { ListOptions, ListPage, StatusPatchOptions } from '../cluster/cluster.js';
import type { TaskSpawner, TaskSpawnerStatus } from './model.js';

export interface SpawnerCluster {
  listTaskSpawnerPage(options?: ListOptions): Promise<ListPage<TaskSpawner>>;
  getTaskSpawner(namespace: string, name: string): Promise<TaskSpawner | null>;
  /** Merge-patch the status subresource. */
  patchTaskSpawnerStatus(namespace: string, name: string, status: TaskSpawnerStatus, options?: StatusPatchOptions): Promise<void>;
}

/** Every TaskSpawner of the namespaces, page by page. */
export async function listSpawners(cluster: SpawnerCluster, namespaces: readonly string[]): Promise<TaskSpawner[]> {
  const all: TaskSpawner[] = [];
  for (const namespace of namespaces) {
    let continueToken: string | undefined;
    do {
      const page = await cluster.listTaskSpawnerPage({ namespace, continueToken });
      all.push(...page.items);
      continueToken = page.continueToken;
    } while (continueToken);
  }
  return all;
}
