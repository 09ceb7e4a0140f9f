/**
 * The index a local run coordinates through: in memory by default, or a Redis server (the
 * same Lua steps as in a cluster). On Redis each run gets its own key prefix — Task names
 * repeat from run to run, and a result left by an earlier run must never satisfy a dependency
 * of this one — and its keys are removed at the end.
 */
import { randomUUID } from 'node:crypto';
import { createMemoryStore } from '../shared/store/memory-store.js';
import type { Store } from '../shared/store/store.js';

export interface OpenedStore {
  store: Store;
  /** `memory` or the Redis URL (without credentials). */
  description: string;
  close(): Promise<void>;
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis';
  }
}

export async function openStore(redisUrl: string | undefined): Promise<OpenedStore> {
  if (!redisUrl) {
    const store = createMemoryStore();
    return { store, description: 'memory', close: () => store.close() };
  }
  const [{ Redis }, { createRedisStore }] = await Promise.all([import('ioredis'), import('../shared/store/redis-store.js')]);
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 3000 });
  // Connection errors after the start surface as failed commands (retried by the broker).
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new Error(`cannot connect to Redis at ${redact(redisUrl)}: ${(err as Error).message}`);
  }
  // A local run's index is private to the run: one Redis is all it needs (a Cluster node would
  // redirect most keys elsewhere, and the run would only stall).
  const info = await redis.info('cluster').catch(() => '');
  if (/cluster_enabled:1/.test(info)) {
    redis.disconnect();
    throw new Error(`Redis at ${redact(redisUrl)} is a Redis Cluster node: dendrite run coordinates through a single Redis (or memory)`);
  }
  const keyPrefix = `dendrite:local:${randomUUID().slice(0, 8)}:`;
  const store = createRedisStore(redis, { keyPrefix });
  return {
    store,
    description: redact(redisUrl),
    async close() {
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
          if (keys.length > 0) await redis.unlink(...keys);
          cursor = next;
        } while (cursor !== '0');
      } catch {
        // Best effort: the keys are this run's only and harm nothing.
      }
      await store.close();
    },
  };
}
