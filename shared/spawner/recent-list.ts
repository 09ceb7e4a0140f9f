/**
 * The TaskSpawners as listed at most `maxAgeMs` ago, for the events that arrive one after
 * another (GitHub deliveries, any other system's events): without it each of them is one LIST
 * per namespace against the API server, however few of them a spawner takes. Concurrent
 * callers share one LIST. A spawner created, changed or deleted is seen within `maxAgeMs`;
 * a status written from a stale copy is caught by its resourceVersion (status.ts re-reads).
 * The tick lists afresh and refreshes this copy.
 */
import { listSpawners, type SpawnerCluster } from './port.js';
import type { TaskSpawner } from './model.js';

export const RECENT_SPAWNERS_MAX_AGE_MS = 2000;

export interface RecentSpawners {
  /** At most maxAgeMs old. */
  recent(): Promise<TaskSpawner[]>;
  /** Listed now (and kept for recent()). */
  fresh(): Promise<TaskSpawner[]>;
}

export function recentSpawners(
  cluster: SpawnerCluster,
  namespaces: readonly string[],
  options: { maxAgeMs?: number; clock?: () => number } = {},
): RecentSpawners {
  const maxAgeMs = options.maxAgeMs ?? RECENT_SPAWNERS_MAX_AGE_MS;
  const clock = options.clock ?? (() => performance.now());
  let kept: { at: number; list: Promise<TaskSpawner[]> } | undefined;
  const fresh = (): Promise<TaskSpawner[]> => {
    const list = listSpawners(cluster, namespaces);
    const entry = { at: clock(), list };
    kept = entry;
    // A failed LIST is not kept: the next event asks again.
    list.catch(() => {
      if (kept === entry) kept = undefined;
    });
    return list;
  };
  return {
    recent: () => (kept && clock() - kept.at < maxAgeMs ? kept.list : fresh()),
    fresh,
  };
}
