/**
 * Redis key layout of the store. Every key of a namespace carries the hash tag `{<namespace>}`,
 * so one Lua step may touch all of them on Redis Cluster (they share a slot).
 *
 *   <prefix>{<ns>}:t:<name>  hash — the Task's entry (see lua/common.ts for its fields)
 *   <prefix>{<ns>}:d:<name>  set  — names of Tasks whose dependsOn lists <name>; it outlives
 *                                   <name>'s own entry, so Tasks may wait for a name not yet created
 *   <prefix>{<ns>}:n         set  — the name of every entry, walked by resync (SSCAN) to forget
 *                                   entries whose Task the cluster no longer has
 */

export const DEFAULT_KEY_PREFIX = 'dendrite:';

/** The prefix shared by every key of one namespace; the scripts get it as KEYS[1]. */
export function namespacePrefix(keyPrefix: string, namespace: string): string {
  // A brace would move or break the hash tag and scatter a namespace over slots.
  if (namespace === '' || /[{}]/.test(namespace)) {
    throw new Error(`invalid namespace ${JSON.stringify(namespace)} for the store`);
  }
  return `${keyPrefix}{${namespace}}:`;
}

/** A key prefix must leave the hash tag alone: Redis Cluster hashes the first {…} of a key. */
export function assertKeyPrefix(keyPrefix: string): void {
  if (/[{}]/.test(keyPrefix)) throw new Error(`key prefix ${JSON.stringify(keyPrefix)} contains a brace: it would break the namespace hash tag`);
}

/**
 * The keys a script declares: its namespace prefix (KEYS[1], from which it derives every key it
 * touches) and a guard. Neither ever exists as a key (no key is named after the bare prefix,
 * and every real key goes on with `t:`, `d:` or is the names set `n`); declaring two absent keys of the slot makes
 * Redis refuse the step with TRYAGAIN while the slot is migrating, on the old shard and on the
 * new one alike (see redis-store.ts).
 */
export function scriptKeys(prefix: string): [string, string] {
  return [prefix, `${prefix}guard`];
}

export function taskKey(prefix: string, name: string): string {
  return `${prefix}t:${name}`;
}

export function dependentsKey(prefix: string, name: string): string {
  return `${prefix}d:${name}`;
}

export function namesKey(prefix: string): string {
  return `${prefix}n`;
}
