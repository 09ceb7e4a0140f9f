/**
 * The local mode's TaskSpawners: applied from manifests, listed and status-patched by the
 * task-spawner function through the same port as on a cluster (spawner/port.ts), with the
 * resourceVersion precondition the API server applies.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError } from '../cluster/cluster.js';
import { NotFoundError, PermanentError } from '../errors.js';
import type { TaskSpawner } from '../spawner/model.js';
import type { SpawnerCluster } from '../spawner/port.js';
import { createPager } from './pages.js';

export interface LocalSpawners extends SpawnerCluster {
  apply(object: Record<string, unknown>): TaskSpawner;
  list(): TaskSpawner[];
}

export function createLocalSpawners(options: { now: () => Date; defaultNamespace?: string }): LocalSpawners {
  const spawners = new Map<string, TaskSpawner>();
  const pager = createPager(spawners, (s: TaskSpawner) => s);
  let version = 0;
  const key = (namespace: string, name: string) => `${namespace}/${name}`;

  return {
    apply(object) {
      const meta = (object.metadata ?? {}) as Record<string, unknown>;
      const name = String(meta.name ?? '');
      const namespace = typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : (options.defaultNamespace ?? 'default');
      if (!name) throw new PermanentError('a TaskSpawner needs metadata.name');
      if (spawners.has(key(namespace, name))) throw new PermanentError(`TaskSpawner ${namespace}/${name} is given twice`);
      const { status: _ignored, ...rest } = structuredClone(object);
      const spawner = {
        ...rest,
        metadata: { ...meta, name, namespace, uid: randomUUID(), creationTimestamp: options.now().toISOString(), resourceVersion: String(++version) },
      } as unknown as TaskSpawner;
      spawners.set(key(namespace, name), spawner);
      pager.changed();
      return structuredClone(spawner);
    },
    list: () => [...spawners.values()].map((s) => structuredClone(s)),
    async listTaskSpawnerPage(page) {
      return pager.page(page);
    },
    async getTaskSpawner(namespace, name) {
      const found = spawners.get(key(namespace, name));
      return found ? structuredClone(found) : null;
    },
    async patchTaskSpawnerStatus(namespace, name, status, patch = {}) {
      const found = spawners.get(key(namespace, name));
      if (!found) throw new NotFoundError(`TaskSpawner ${namespace}/${name} not found`);
      if (patch.resourceVersion !== undefined && patch.resourceVersion !== found.metadata.resourceVersion) {
        throw new ConflictError(`TaskSpawner ${namespace}/${name} changed since it was read`);
      }
      found.status = { ...found.status, ...structuredClone(status) };
      found.metadata.resourceVersion = String(++version);
    },
  };
}
