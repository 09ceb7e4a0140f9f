/**
 * The Store on Redis. `register`, `recordCompletion`, `recordPrompts`, `markLaunched` and `remove` are each one
 * Lua script (EVALSHA, with ioredis falling back to EVAL once per connection when the script
 * cache is empty), so each is atomic and one round trip; `get` and `getForLaunch` are one HMGET.
 *
 * Works on one Redis, on Sentinel and on Redis Cluster: every key a script touches shares the
 * namespace's hash tag, so one step runs on one shard. The scripts find most of their keys as
 * they go (a Task's dependents), so they cannot declare them; they declare two keys of that
 * slot that never exist instead (keys.ts, scriptKeys). While the slot is being moved between
 * shards (resharding), Redis answers a command whose declared keys are not all present with
 * TRYAGAIN on both sides — so no step ever runs against half a namespace (reading keys not
 * yet moved as missing, or writing keys that the move would then collide with); ioredis retries
 * it for a moment and then the broker does (503).
 */
import type { Cluster, Redis } from 'ioredis';
import { PermanentError, TransientError } from '../errors.js';
import { assertKeyPrefix, DEFAULT_KEY_PREFIX, namesKey, namespacePrefix, scriptKeys, taskKey } from './keys.js';
import { checkHealth } from './redis-health.js';
import { COMPLETE_LUA } from './lua/complete.js';
import { LAUNCH_LUA, PROMPTS_LUA } from './lua/launch.js';
import { REGISTER_LUA } from './lua/register.js';
import { PURGE_LUA, REMOVE_LUA } from './lua/remove.js';
import { parseCompletionReply, parseRegisterReply } from './redis-replies.js';
import { neededDeps } from './store.js';
import type { CompletionInput, LaunchEntry, RegisterInput, Store, TaskEntry, TaskState } from './store.js';

/** A literal for a SCAN MATCH pattern: glob characters escaped. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

export interface RedisStoreOptions {
  /** Put before every key (default `dendrite:`); the client's own keyPrefix, if any, comes first. */
  keyPrefix?: string;
}

/** Names under which the scripts are defined on the client (defineCommand adds methods). */
const SCRIPTS = {
  register: { name: 'dendriteRegister', lua: REGISTER_LUA },
  complete: { name: 'dendriteComplete', lua: COMPLETE_LUA },
  launch: { name: 'dendriteLaunch', lua: LAUNCH_LUA },
  prompts: { name: 'dendritePrompts', lua: PROMPTS_LUA },
  remove: { name: 'dendriteRemove', lua: REMOVE_LUA },
  purge: { name: 'dendritePurge', lua: PURGE_LUA },
} as const;

type ScriptName = keyof typeof SCRIPTS;
type ScriptMethod = (...keysAndArgs: string[]) => Promise<unknown>;

/**
 * The store takes ownership of the client: `close()` quits it.
 * Redis errors surface as TransientError (the caller answers 5xx and the event is retried).
 */
export function createRedisStore(redis: Redis | Cluster, options: RedisStoreOptions = {}): Store {
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  assertKeyPrefix(keyPrefix);
  for (const { name, lua } of Object.values(SCRIPTS)) {
    redis.defineCommand(name, { numberOfKeys: 2, lua });
  }

  function prefixFor(namespace: string): string {
    try {
      return namespacePrefix(keyPrefix, namespace);
    } catch (err) {
      throw new PermanentError((err as Error).message, { cause: err });
    }
  }

  async function transient<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      // A single client pointed at a Redis Cluster node is redirected for most namespaces: say so.
      if (!redis.isCluster && /^MOVED /.test((err as Error).message ?? '')) {
        throw new TransientError(`redis store: ${what} failed: the server is a Redis Cluster node (MOVED); connect with REDIS_CLUSTER_NODES`, { cause: err });
      }
      throw new TransientError(`redis store: ${what} failed`, { cause: err });
    }
  }

  function script(which: ScriptName, prefix: string, args: string[]): Promise<unknown> {
    const method = (redis as unknown as Record<string, ScriptMethod>)[SCRIPTS[which].name];
    if (!method) throw new Error(`script ${which} is not defined on the client`);
    return transient(which, () => method.call(redis, ...scriptKeys(prefix), ...args));
  }

  return {
    async register(input: RegisterInput) {
      const observed = input.observed;
      const args = [
        input.name,
        input.uid,
        input.template,
        input.dialect,
        JSON.stringify(input.dependsOn),
        observed ? observed.phase.toLowerCase() : '',
        observed?.phase === 'Succeeded' ? JSON.stringify(observed.outputs) : 'null',
        observed?.phase === 'Succeeded' ? JSON.stringify(observed.results) : 'null',
        observed?.phase === 'Failed' ? observed.message : '',
        // '' = all of dependsOn; otherwise the ones readyTask reads, already in dependsOn order.
        input.needs === undefined ? '' : JSON.stringify(neededDeps(input.dependsOn, input.needs)),
        observed?.phase === 'Succeeded' ? observed.response : '',
        input.createdAt === undefined || Number.isNaN(input.createdAt) ? '' : String(input.createdAt),
      ];
      return parseRegisterReply(await script('register', prefixFor(input.namespace), args));
    },

    async recordCompletion(input: CompletionInput) {
      const args = [
        input.name,
        input.uid ?? '',
        input.succeeded ? '1' : '0',
        JSON.stringify(input.outputs),
        JSON.stringify(input.results),
        input.message ?? '',
        input.response,
      ];
      return parseCompletionReply(await script('complete', prefixFor(input.namespace), args));
    },

    async recordPrompts(namespace, prompts) {
      if (prompts.length === 0) return;
      await script('prompts', prefixFor(namespace), prompts.flatMap((p) => [p.name, p.uid, p.prompt]));
    },

    async markLaunched(namespace: string, name: string, uid: string) {
      return (await script('launch', prefixFor(namespace), [name, uid])) === 1;
    },

    async get(namespace: string, name: string): Promise<TaskEntry | null> {
      const key = taskKey(prefixFor(namespace), name);
      const [uid, state] = await transient('get', () => redis.hmget(key, 'uid', 'state'));
      if (uid == null || state == null) return null;
      return { uid, state: state as TaskState };
    },

    async getForLaunch(namespace: string, name: string): Promise<LaunchEntry | null> {
      const key = taskKey(prefixFor(namespace), name);
      const [uid, state, prompt] = await transient('get', () => redis.hmget(key, 'uid', 'state', 'prompt'));
      if (uid == null || state == null) return null;
      return { uid, state: state as TaskState, prompt: prompt ?? null };
    },

    async remove(namespace: string, name: string, uid: string, deletedAt = Date.now()) {
      await script('remove', prefixFor(namespace), [name, uid, String(deletedAt)]);
    },

    async purgeDeleted(namespace: string, name: string, uid: string, deletedBefore: number) {
      return (await script('purge', prefixFor(namespace), [name, uid, String(deletedBefore)])) === 1;
    },

    async pendingOf(namespace: string, name: string, uid: string) {
      const key = taskKey(prefixFor(namespace), name);
      const [[, head], [, fields]] = (await transient('pending', () => redis.multi().hmget(key, 'uid', 'state').hkeys(key).exec())) as [
        [unknown, [string | null, string | null]],
        [unknown, string[]],
      ];
      if (head[0] !== uid || head[1] !== 'waiting') return null;
      return fields.filter((f) => f.startsWith('p:')).map((f) => f.slice(2));
    },

    async scanEntries(namespace: string, cursor: string, count: number) {
      const prefix = prefixFor(namespace);
      // The names set is one key of the namespace's slot: one shard answers, on Cluster too.
      const [next, names] = await transient('scan', () => redis.sscan(namesKey(prefix), cursor, 'COUNT', count));
      if (names.length === 0) return { cursor: next, entries: [] };
      const pipeline = redis.pipeline();
      for (const name of names) pipeline.hmget(taskKey(prefix, name), 'uid', 'state', 'at');
      const replies = (await transient('scan', () => pipeline.exec())) ?? [];
      const entries = names.flatMap((name, i) => {
        const [err, value] = replies[i] ?? [];
        const [uid, state, at] = (err ? [] : (value as Array<string | null>)) ?? [];
        if (uid == null || state == null) return [];
        return [at != null && state === 'deleted' ? { name, uid, state: state as TaskState, deletedAt: Number(at) } : { name, uid, state: state as TaskState }];
      });
      return { cursor: next, entries };
    },

    async listNamespaces() {
      // Each namespace with entries has its names set, `<prefix>{<ns>}:n`; on Cluster every
      // primary holds some, so each is scanned. Once a tick: a walk of the keyspace is fine.
      const nodes = redis.isCluster ? (redis as Cluster).nodes('master') : [redis as Redis];
      const pattern = `${escapeGlob(keyPrefix)}{*}:n`;
      const found = new Set<string>();
      for (const node of nodes) {
        let cursor = '0';
        do {
          const [next, keys] = await transient('scan', () => node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000));
          for (const key of keys) {
            const namespace = key.slice(keyPrefix.length + 1, key.length - 3);
            if (namespace !== '' && !/[{}]/.test(namespace)) found.add(namespace);
          }
          cursor = next;
        } while (cursor !== '0');
      }
      return [...found].sort();
    },

    async ping() {
      await transient('ping', () => checkHealth(redis));
    },

    async close() {
      await redis.quit();
    },
  };
}
