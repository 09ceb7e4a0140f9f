/**
 * How a function reaches Redis, in the three shapes operators run: one Redis (`REDIS_URL`),
 * Redis Cluster (`REDIS_CLUSTER_NODES`, a seed list) or a Sentinel-managed primary
 * (`REDIS_SENTINELS` + `REDIS_SENTINEL_MASTER`). Parsed once, from config.ts; a setting that
 * cannot work (two shapes at once, a malformed address, a key prefix that would move the
 * namespace hash tag) is refused at start.
 */

export interface RedisAddress {
  host: string;
  port: number;
}

export type RedisShape =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: RedisAddress[] }
  | { kind: 'sentinel'; sentinels: RedisAddress[]; masterName: string; sentinelUsername?: string; sentinelPassword?: string };

export interface RedisSettings {
  shape: RedisShape;
  /**
   * Credentials of the data nodes. With REDIS_URL, credentials in the URL come first and these
   * fill in what it leaves out.
   */
  username?: string;
  password?: string;
  /** TLS to every node (and every Sentinel); with REDIS_URL, `rediss://` says so too. */
  tls: boolean;
  /** A PEM file of the CA that signed the servers' certificates (any shape), when not a public one. */
  tlsCaFile?: string;
  /** Put before every key of the index (its namespace hash tag follows). */
  keyPrefix: string;
  /** Longest wait for one command's answer before it fails (transient: the broker retries). */
  commandTimeoutMs: number;
}

export const DEFAULT_REDIS_KEY_PREFIX = 'dendrite:';
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 5_000;

type Env = Record<string, string | undefined>;
type Fail = (message: string) => never;

/** `host:port` or `[v6]:port`, comma-separated. */
function addresses(key: string, raw: string, fail: Fail): RedisAddress[] {
  const list = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0) fail(`${key} lists no address; give host:port pairs separated by commas`);
  return list.map((entry) => {
    const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65535) fail(`${key}: "${entry}" is not host:port (e.g. redis-0.redis:6379)`);
    return { host: (match[1] ?? match[2]) as string, port };
  });
}

function singleUrl(raw: string, fail: Fail): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail('REDIS_URL is not a URL; e.g. redis://:password@redis:6379 (rediss:// for TLS)');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') fail(`REDIS_URL must start with redis:// or rediss://, got ${url.protocol}//`);
  return raw;
}

function set(env: Env, key: string): string | undefined {
  const value = env[key];
  return value === undefined || value === '' ? undefined : value;
}

export function readRedisSettings(env: Env, fail: Fail): RedisSettings {
  // Every setting is read whatever the shape, so what a deployment sets is always read.
  const url = set(env, 'REDIS_URL');
  const clusterNodes = set(env, 'REDIS_CLUSTER_NODES');
  const sentinels = set(env, 'REDIS_SENTINELS');
  const masterName = set(env, 'REDIS_SENTINEL_MASTER');
  const sentinelUsername = set(env, 'REDIS_SENTINEL_USERNAME');
  const sentinelPassword = set(env, 'REDIS_SENTINEL_PASSWORD');
  const username = set(env, 'REDIS_USERNAME');
  const password = set(env, 'REDIS_PASSWORD');
  const tlsRaw = set(env, 'REDIS_TLS') ?? 'false';
  const tlsCaFile = set(env, 'REDIS_TLS_CA_FILE');
  const keyPrefix = env.DENDRITE_REDIS_KEY_PREFIX ?? DEFAULT_REDIS_KEY_PREFIX;
  const timeoutRaw = set(env, 'DENDRITE_REDIS_COMMAND_TIMEOUT_MS');

  const given = Object.entries({ REDIS_URL: url, REDIS_CLUSTER_NODES: clusterNodes, REDIS_SENTINELS: sentinels })
    .filter(([, value]) => value !== undefined)
    .map(([key]) => key);
  if (given.length === 0) {
    fail('REDIS_URL is not set: point it at the Redis that coordinates Tasks, e.g. redis://redis:6379 (or set REDIS_CLUSTER_NODES for Redis Cluster, REDIS_SENTINELS for Sentinel)');
  }
  if (given.length > 1) fail(`${given.join(' and ')} are both set: choose one way to reach Redis`);

  let shape: RedisShape;
  if (url !== undefined) {
    shape = { kind: 'single', url: singleUrl(url, fail) };
  } else if (clusterNodes !== undefined) {
    shape = { kind: 'cluster', nodes: addresses('REDIS_CLUSTER_NODES', clusterNodes, fail) };
  } else {
    if (!masterName) fail('REDIS_SENTINEL_MASTER is not set: name the primary the Sentinels monitor (their `sentinel monitor <name> …`)');
    shape = { kind: 'sentinel', sentinels: addresses('REDIS_SENTINELS', sentinels as string, fail), masterName, sentinelUsername, sentinelPassword };
  }
  if (shape.kind !== 'sentinel' && (masterName || sentinelUsername || sentinelPassword)) {
    fail('REDIS_SENTINEL_MASTER / _USERNAME / _PASSWORD are set but REDIS_SENTINELS is not');
  }
  if (tlsRaw !== 'true' && tlsRaw !== 'false') fail(`REDIS_TLS must be true or false, got "${tlsRaw}"`);
  // Redis Cluster hashes only what is between the first { and the next }: a brace here would
  // take the namespace's tag out of play and scatter one Lua step's keys over several slots.
  if (/[{}]/.test(keyPrefix)) fail(`DENDRITE_REDIS_KEY_PREFIX must not contain { or } (it would break the namespace hash tag), got "${keyPrefix}"`);
  const commandTimeoutMs = timeoutRaw === undefined ? DEFAULT_REDIS_COMMAND_TIMEOUT_MS : Number(timeoutRaw);
  if (!Number.isInteger(commandTimeoutMs) || commandTimeoutMs < 100) fail(`DENDRITE_REDIS_COMMAND_TIMEOUT_MS must be an integer ≥ 100, got "${timeoutRaw}"`);

  return { shape, username, password, tls: tlsRaw === 'true', tlsCaFile, keyPrefix, commandTimeoutMs };
}

/** Where the index lives, for logs: no credentials. */
export function describeRedis(settings: RedisSettings): string {
  const { shape } = settings;
  const list = (a: RedisAddress[]) => a.map((x) => `${x.host}:${x.port}`).join(',');
  switch (shape.kind) {
    case 'single': {
      try {
        const url = new URL(shape.url);
        url.username = '';
        url.password = '';
        return url.toString();
      } catch {
        return 'redis';
      }
    }
    case 'cluster':
      return `cluster ${list(shape.nodes)}`;
    case 'sentinel':
      return `sentinel ${shape.masterName} via ${list(shape.sentinels)}`;
  }
}
