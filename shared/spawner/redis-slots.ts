/**
 * The spawner's slots (slots.ts) in Redis: each step one Lua script, under the namespace's hash
 * tag like the store's keys (Redis Cluster keeps them in one slot).
 *
 *   <prefix>{<ns>}:sp:<spawner>:active  set  — Tasks holding a slot
 *   <prefix>{<ns>}:sp:<spawner>:queue   zset — waiting items, by arrival
 *   <prefix>{<ns>}:sp:<spawner>:items   hash — name → the Task (JSON) of an item not confirmed created
 *   <prefix>{<ns>}:sp:<spawner>:seq     counter — arrival order
 */
import type { Cluster, Redis } from 'ioredis';
import { TransientError } from '../errors.js';
import { DEFAULT_KEY_PREFIX, namespacePrefix, scriptKeys } from '../store/keys.js';
import type { NewTask } from '../cluster/cluster.js';
import type { SpawnerSlots } from './slots.js';

const KEYS = `local base = KEYS[1] .. 'sp:' .. ARGV[1] .. ':'
local active, queue, items = base .. 'active', base .. 'queue', base .. 'items'
`;

const ACQUIRE = `${KEYS}local name, max = ARGV[2], tonumber(ARGV[3])
if redis.call('SISMEMBER', active, name) == 1 then return 1 end
if redis.call('ZSCORE', queue, name) then return 0 end
redis.call('HSET', items, name, ARGV[4])
if redis.call('SCARD', active) < max then redis.call('SADD', active, name) return 1 end
redis.call('ZADD', queue, redis.call('INCR', base .. 'seq'), name)
return 0`;

const CONFIRM = `${KEYS}if redis.call('SISMEMBER', active, ARGV[2]) == 1 then redis.call('HDEL', items, ARGV[2]) end
return 0`;

const RELEASE = `${KEYS}local max = tonumber(ARGV[3])
if redis.call('SREM', active, ARGV[2]) == 0 then return {} end
redis.call('HDEL', items, ARGV[2])
local freed = {}
while redis.call('SCARD', active) < max do
  local next = redis.call('ZRANGE', queue, 0, 0)[1]
  if not next then break end
  redis.call('ZREM', queue, next)
  redis.call('SADD', active, next)
  freed[#freed + 1] = redis.call('HGET', items, next)
end
return freed`;

const STATE = `${KEYS}return { redis.call('SMEMBERS', active), redis.call('HGETALL', items), redis.call('SCARD', active) }`;

const SCRIPTS = { dendriteSlotAcquire: ACQUIRE, dendriteSlotConfirm: CONFIRM, dendriteSlotRelease: RELEASE, dendriteSlotState: STATE } as const;
type Method = (...args: string[]) => Promise<unknown>;

export function createRedisSlots(redis: Redis | Cluster, keyPrefix = DEFAULT_KEY_PREFIX): SpawnerSlots {
  for (const [name, lua] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys: 2, lua });
  async function run(script: keyof typeof SCRIPTS, namespace: string, ...args: string[]): Promise<unknown> {
    const method = (redis as unknown as Record<string, Method>)[script]!;
    try {
      return await method.call(redis, ...scriptKeys(namespacePrefix(keyPrefix, namespace)), ...args);
    } catch (err) {
      throw new TransientError(`spawner slots: ${script} failed: ${(err as Error).message}`, { cause: err });
    }
  }
  return {
    async acquire(namespace, spawner, task, max) {
      return (await run('dendriteSlotAcquire', namespace, spawner, task.metadata.name, String(max), JSON.stringify(task))) === 1 ? 'admitted' : 'queued';
    },
    async confirm(namespace, spawner, name) {
      await run('dendriteSlotConfirm', namespace, spawner, name);
    },
    async release(namespace, spawner, name, max) {
      const freed = (await run('dendriteSlotRelease', namespace, spawner, name, String(max))) as Array<string | null>;
      return freed.filter((t): t is string => typeof t === 'string').map((t) => JSON.parse(t) as NewTask);
    },
    async active(namespace, spawner) {
      return ((await run('dendriteSlotState', namespace, spawner)) as [string[], string[], number])[2];
    },
    async state(namespace, spawner) {
      const [active, flat] = (await run('dendriteSlotState', namespace, spawner)) as [string[], string[], number];
      const pending: Array<{ name: string; task: NewTask }> = [];
      for (let i = 0; i + 1 < flat.length; i += 2) pending.push({ name: flat[i]!, task: JSON.parse(flat[i + 1]!) as NewTask });
      return { active, pending };
    },
  };
}
