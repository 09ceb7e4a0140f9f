/**
 * Readiness of the index, per connection shape: throws when the store could not take writes.
 * - One Redis: it answers PING.
 * - Sentinel: the server the client is connected to is a primary (ROLE) — during a failover
 *   the client has no primary, or still one that was demoted, and writes would fail.
 * - Redis Cluster: the cluster says its state is ok, no primary that serves slots is flagged
 *   failing, and every primary the client knows answers PING.
 */
import type { Cluster, Redis } from 'ioredis';

function isSentinelClient(redis: Redis): boolean {
  const sentinels = (redis.options as { sentinels?: unknown[] }).sentinels;
  return Array.isArray(sentinels) && sentinels.length > 0;
}

async function clusterHealth(cluster: Cluster): Promise<void> {
  const info = String(await cluster.cluster('INFO'));
  const state = /cluster_state:(\w+)/.exec(info)?.[1];
  if (state !== 'ok') throw new Error(`redis cluster state is ${state ?? 'unknown'}`);
  const nodes = String(await cluster.cluster('NODES'));
  const failing = nodes
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => {
      const flags = (fields[2] ?? '').split(',');
      // Only a primary that still serves slots matters (one replaced by its replica serves none).
      return flags.includes('master') && (flags.includes('fail') || flags.includes('fail?')) && fields.length > 8;
    });
  if (failing.length > 0) throw new Error(`redis cluster primary ${failing.map((f) => f[1]).join(', ')} is failing`);
  const primaries = cluster.nodes('master');
  if (primaries.length === 0) throw new Error('redis cluster: no primary connected');
  await Promise.all(primaries.map((node) => node.ping()));
}

export async function checkHealth(redis: Redis | Cluster): Promise<void> {
  if (redis.isCluster) return clusterHealth(redis as Cluster);
  const single = redis as Redis;
  if (!isSentinelClient(single)) {
    await single.ping();
    return;
  }
  const role = (await single.call('ROLE')) as unknown[];
  if (role[0] !== 'master') throw new Error(`connected to a ${String(role[0])}, not the primary`);
}
