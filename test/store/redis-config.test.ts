/**
 * The Redis connection settings: each shape from its variables, what cannot work refused at
 * start (a function exits 78 saying why), and the clients built for each shape.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as ioredis from 'ioredis';
import { ConfigError, readConfig } from '../../shared/runtime/config.js';
import { createRedisClient, type IoRedisModule } from '../../shared/runtime/redis-client.js';
import { describeRedis, readRedisSettings, type RedisSettings } from '../../shared/runtime/redis-config.js';

const fail = (message: string): never => {
  throw new ConfigError(message);
};
const read = (env: Record<string, string>) => readRedisSettings(env, fail);

test('each shape from its variables', () => {
  assert.deepEqual(read({ REDIS_URL: 'redis://:pw@redis:6379' }), {
    shape: { kind: 'single', url: 'redis://:pw@redis:6379' },
    username: undefined,
    password: undefined,
    tls: false,
    tlsCaFile: undefined,
    keyPrefix: 'dendrite:',
    commandTimeoutMs: 5000,
  });
  const cluster = read({ REDIS_CLUSTER_NODES: 'a.example:7000, b.example:7001,[::1]:7002', REDIS_PASSWORD: 'pw', REDIS_USERNAME: 'dendrite', REDIS_TLS: 'true' });
  assert.deepEqual(cluster.shape, { kind: 'cluster', nodes: [{ host: 'a.example', port: 7000 }, { host: 'b.example', port: 7001 }, { host: '::1', port: 7002 }] });
  assert.equal(cluster.password, 'pw');
  assert.equal(cluster.username, 'dendrite');
  assert.equal(cluster.tls, true);
  const sentinel = read({ REDIS_SENTINELS: 's0:26379,s1:26379,s2:26379', REDIS_SENTINEL_MASTER: 'dendrite', REDIS_SENTINEL_PASSWORD: 'spw', REDIS_PASSWORD: 'pw' });
  assert.deepEqual(sentinel.shape, {
    kind: 'sentinel',
    sentinels: [{ host: 's0', port: 26379 }, { host: 's1', port: 26379 }, { host: 's2', port: 26379 }],
    masterName: 'dendrite',
    sentinelUsername: undefined,
    sentinelPassword: 'spw',
  });
  // Empty values are unset (a Secret's blank keys).
  assert.equal(read({ REDIS_URL: '', REDIS_SENTINELS: 's:1', REDIS_SENTINEL_MASTER: 'm', REDIS_CLUSTER_NODES: '' }).shape.kind, 'sentinel');
  assert.equal(read({ REDIS_URL: 'redis://r:6379', DENDRITE_REDIS_KEY_PREFIX: 'team-x:', DENDRITE_REDIS_COMMAND_TIMEOUT_MS: '2500' }).keyPrefix, 'team-x:');
});

test('what cannot work is refused, saying what to set', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{}, /REDIS_URL is not set.*REDIS_CLUSTER_NODES.*REDIS_SENTINELS/],
    [{ REDIS_URL: 'redis://a:1', REDIS_CLUSTER_NODES: 'b:2' }, /REDIS_URL and REDIS_CLUSTER_NODES are both set/],
    [{ REDIS_URL: 'http://a:1' }, /redis:\/\/ or rediss:\/\//],
    [{ REDIS_URL: 'not a url' }, /REDIS_URL is not a URL/],
    [{ REDIS_CLUSTER_NODES: 'a:7000,b' }, /"b" is not host:port/],
    [{ REDIS_CLUSTER_NODES: 'a:70000' }, /not host:port/],
    [{ REDIS_CLUSTER_NODES: ' , ' }, /lists no address/],
    [{ REDIS_SENTINELS: 's:26379' }, /REDIS_SENTINEL_MASTER is not set/],
    [{ REDIS_URL: 'redis://a:1', REDIS_SENTINEL_MASTER: 'm' }, /REDIS_SENTINELS is not/],
    [{ REDIS_URL: 'redis://a:1', REDIS_TLS: 'yes' }, /REDIS_TLS must be true or false/],
    [{ REDIS_URL: 'redis://a:1', DENDRITE_REDIS_KEY_PREFIX: 'dendrite:{x}:' }, /must not contain \{ or \}/],
    [{ REDIS_URL: 'redis://a:1', DENDRITE_REDIS_KEY_PREFIX: 'a}' }, /hash tag/],
    [{ REDIS_URL: 'redis://a:1', DENDRITE_REDIS_COMMAND_TIMEOUT_MS: '10' }, /≥ 100/],
  ];
  for (const [env, message] of cases) assert.throws(() => read(env), (err: unknown) => err instanceof ConfigError && message.test(err.message), JSON.stringify(env));
  // Through the functions' config too.
  assert.throws(() => readConfig({ K_SINK: 'http://b/', REDIS_URL: 'redis://a:1', DENDRITE_REDIS_KEY_PREFIX: '{x}' }, 'f'), ConfigError);
});

test('a function started with a key prefix that would break the hash tag exits 78, saying why', async () => {
  const script = fileURLToPath(new URL('../../functions/task-intake/main.js', import.meta.url));
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', REDIS_CLUSTER_NODES: '127.0.0.1:9', K_SINK: 'http://127.0.0.1:9/', DENDRITE_REDIS_KEY_PREFIX: 'idx:{all}:' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 78);
  assert.match(output, /task-intake: DENDRITE_REDIS_KEY_PREFIX must not contain \{ or \}/);
});

test('the client of each shape: redirections retried, no offline queue, TLS and credentials where set', () => {
  const module = ioredis as unknown as IoRedisModule;
  const settings = (shape: RedisSettings['shape'], extra: Partial<RedisSettings> = {}): RedisSettings => ({ shape, tls: false, keyPrefix: 'dendrite:', commandTimeoutMs: 3000, ...extra });
  const single = createRedisClient(module, settings({ kind: 'single', url: 'rediss://:pw@127.0.0.1:9' }), { lazyConnect: true }) as ioredis.Redis;
  assert.equal(single.isCluster, false);
  assert.equal(single.options.password, 'pw');
  assert.ok(single.options.tls, 'rediss:// is TLS');
  assert.equal(single.options.enableOfflineQueue, false);
  assert.equal(single.options.commandTimeout, 3000);
  const sentinel = createRedisClient(module, settings({ kind: 'sentinel', sentinels: [{ host: '127.0.0.1', port: 9 }], masterName: 'm', sentinelPassword: 'spw' }, { password: 'pw', tls: true }), { lazyConnect: true, ca: 'PEM' }) as ioredis.Redis;
  assert.equal(sentinel.options.name, 'm');
  assert.equal(sentinel.options.sentinelPassword, 'spw');
  assert.equal(sentinel.options.password, 'pw');
  assert.deepEqual(sentinel.options.tls, { ca: 'PEM' });
  assert.equal(sentinel.options.enableTLSForSentinelMode, true);
  assert.equal(sentinel.options.failoverDetector, true);
  const cluster = createRedisClient(module, settings({ kind: 'cluster', nodes: [{ host: '127.0.0.1', port: 9 }] }, { username: 'u', password: 'pw', tls: true }), { lazyConnect: true }) as ioredis.Cluster;
  assert.equal(cluster.isCluster, true);
  assert.equal(cluster.options.enableOfflineQueue, false);
  assert.ok((cluster.options.maxRedirections ?? 0) >= 16);
  assert.ok((cluster.options.retryDelayOnTryAgain ?? 0) > 0);
  assert.equal(cluster.options.redisOptions?.password, 'pw');
  assert.equal(cluster.options.redisOptions?.username, 'u');
  assert.deepEqual(cluster.options.redisOptions?.tls, {});
  for (const client of [single, sentinel, cluster]) client.disconnect();
  // Logs name where the index is, never a password.
  assert.equal(describeRedis(settings({ kind: 'single', url: 'redis://:secret@redis:6379/0' })), 'redis://redis:6379/0');
  assert.doesNotMatch(describeRedis(settings({ kind: 'sentinel', sentinels: [{ host: 's', port: 1 }], masterName: 'm', sentinelPassword: 'x' })), /x\b/);
});
