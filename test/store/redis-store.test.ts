import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { PermanentError, TransientError } from '../../shared/errors.js';
import { createRedisStore } from '../../shared/store/redis-store.js';
import type { Store } from '../../shared/store/store.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { expectedReady, failure, storeContract, success, task, uidOf } from './contract.js';

let server: RedisServer;
const clients: Redis[] = [];

before(async () => {
  server = await startRedisServer();
});

after(async () => {
  await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
  await server.stop();
});

function connect(): Redis {
  const client = new Redis(server.url, { lazyConnect: false });
  clients.push(client);
  return client;
}

async function freshStore(options?: { keyPrefix?: string }): Promise<{ store: Store; redis: Redis }> {
  const redis = connect();
  await redis.flushall();
  return { store: createRedisStore(redis, options), redis };
}

storeContract('redis', async () => {
  const { store } = await freshStore();
  return { store, cleanup: () => store.close() };
});

/**
 * What the server saw while `run` ran, through MONITOR: the commands the store's connection
 * sent, and the commands its scripts executed. A marker sent last on the same connection
 * tells when the MONITOR stream has caught up.
 */
async function observe(redis: Redis, run: () => Promise<unknown>): Promise<{ sent: string[]; inScripts: string[] }> {
  const monitor = await connect().monitor();
  const marker = `marker-${Math.random()}`;
  const sent: string[] = [];
  const inScripts: string[] = [];
  let recording = false;
  let done = false;
  const caughtUp = new Promise<void>((resolve) => {
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (done) return;
      const command = String(args[0]).toLowerCase();
      if (command === 'echo' && args[1] === marker) {
        if (recording) {
          done = true;
          resolve();
        }
        recording = true;
        return;
      }
      if (!recording) return;
      if (source === 'lua') inScripts.push(command);
      else if (command !== 'monitor') sent.push(command);
    });
  });
  await redis.echo(marker);
  // Wait until recording has begun, so nothing of `run` is missed.
  while (!recording) await new Promise((r) => setTimeout(r, 5));
  await run();
  await redis.echo(marker);
  await caughtUp;
  monitor.disconnect();
  return { sent, inScripts };
}

describe('redis store', () => {
  it('writes every key of a namespace under the namespace hash tag', async () => {
    for (const keyPrefix of [undefined, 'custom:']) {
      const { store, redis } = await freshStore(keyPrefix ? { keyPrefix } : undefined);
      for (const namespace of ['team-a', 'team-b']) {
        const n = <T extends object>(input: T): T => ({ ...input, namespace });
        await store.register(n(task('a')));
        await store.register(n(task('d', ['a', 'unknown'])));
        await store.register(n(task('c1', ['c2'])));
        await store.register(n(task('c2', ['c1'])));
        await store.recordCompletion(n(success('a')));
        await store.recordCompletion(n(failure('ghost', { uid: undefined })));
        await store.register(n(task('x', [], { observed: { phase: 'Succeeded', outputs: ['o'], results: null, response: 'r' } })));
      }
      const keys = await redis.keys('*');
      assert.ok(keys.length >= 10, `expected keys, got ${keys.join(', ')}`);
      const pattern = new RegExp(`^${keyPrefix ?? 'dendrite:'}\\{team-[ab]\\}:([td]:[a-z0-9-]+|n)$`);
      for (const key of keys) assert.match(key, pattern);
      await store.close();
    }
  });

  it('costs one round trip per call, completions included', async () => {
    const { store, redis } = await freshStore();
    await store.register(task('warm-up'));
    await store.register(task('a'));
    await store.register(task('b'));

    const steps: [string, () => Promise<unknown>][] = [
      ['register (waiting)', () => store.register(task('d', ['a', 'b']))],
      ['register (ready, again)', () => store.register(task('a'))],
      ['markLaunched', () => store.markLaunched('team-a', 'a', uidOf('a'))],
      ['completion (not last)', () => store.recordCompletion(success('a'))],
      ['completion (last, releases d)', () => store.recordCompletion(success('b'))],
      ['duplicate completion', () => store.recordCompletion(success('b'))],
      ['failed completion', () => store.recordCompletion(failure('d'))],
      ['get', () => store.get('team-a', 'd')],
      ['remove', () => store.remove('team-a', 'd', uidOf('d'))],
    ];
    for (const [what, step] of steps) {
      const { sent } = await observe(redis, step);
      assert.equal(sent.length, 1, `${what}: sent ${sent.join(', ')}`);
      assert.match(sent[0] as string, /^(evalsha|eval|hmget)$/, what);
    }
    await store.close();
  });

  it('recovers when the server has lost its script cache', async () => {
    const { store, redis } = await freshStore();
    await store.register(task('d', ['a']));
    await redis.script('FLUSH');
    const outcome = await store.recordCompletion(success('a'));
    assert.deepEqual(outcome.ready, [expectedReady('d', ['a'])]);
    await store.close();
  });

  it('releases a dependent of 10,000 Tasks once, on the last completion, doing constant work before it', async () => {
    const { store, redis } = await freshStore();
    const width = 10_000;
    const deps = Array.from({ length: width }, (_, i) => `dep-${i}`);
    await Promise.all(deps.map((d) => store.register(task(d))));
    assert.deepEqual(await store.register(task('sink', deps)), { kind: 'waiting', pending: deps });

    const early: string[] = [];
    await Promise.all(
      deps.slice(0, -2).map(async (d) => {
        const outcome = await store.recordCompletion(success(d));
        if (outcome.status !== 'recorded' || outcome.ready.length > 0) early.push(d);
      }),
    );
    assert.deepEqual(early, []);

    // A completion that is not the last one touches the dependent a fixed number of times,
    // whatever its width: the commands its script runs equal those for a 2-wide fan-in.
    await store.register(task('probe-a'));
    await store.register(task('probe-b'));
    await store.register(task('narrow', ['probe-a', 'probe-b']));
    const narrow = await observe(redis, () => store.recordCompletion(success('probe-a')));
    const wide = await observe(redis, () => store.recordCompletion(success(deps[width - 2] as string)));
    assert.ok(narrow.inScripts.length > 0);
    assert.deepEqual(wide.inScripts, narrow.inScripts);

    const last = deps[width - 1] as string;
    const final = await store.recordCompletion(success(last));
    assert.equal(final.ready.length, 1);
    const sink = final.ready.find((t) => t.name === 'sink');
    assert.ok(sink, 'sink released');
    assert.equal(sink.deps.length, width);
    assert.deepEqual(sink.deps.map((d) => d.name), deps);
    assert.deepEqual(sink.deps[4242], { name: 'dep-4242', outputs: ['out of dep-4242'], results: { from: 'dep-4242' }, response: 'answer of dep-4242' });
    await store.close();
  });

  it('reports an unreachable Redis as a transient error', async () => {
    // A port that is certainly not Redis: every connection is dropped at once.
    const blackhole = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const { port } = blackhole.address() as AddressInfo;
    const redis = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    const store = createRedisStore(redis);
    try {
      await assert.rejects(store.ping(), TransientError);
      await assert.rejects(store.register(task('a')), TransientError);
      await assert.rejects(store.get('team-a', 'a'), TransientError);
    } finally {
      redis.disconnect();
      await new Promise((resolve) => blackhole.close(resolve));
    }
  });

  it('rejects a namespace that would break the hash tag as a permanent error', async () => {
    const { store } = await freshStore();
    await assert.rejects(store.register({ ...task('a'), namespace: 'we{ird}' }), PermanentError);
    await assert.rejects(store.get('', 'a'), PermanentError);
    await store.close();
  });

  it('keeps its data across a server restart when the server persists (AOF)', async () => {
    const persistent = await startRedisServer({ appendonly: true });
    try {
      const first = createRedisStore(new Redis(persistent.url));
      await first.register(task('d', ['a']));
      await first.close();
      await persistent.restart();
      const second = createRedisStore(new Redis(persistent.url));
      assert.deepEqual(await second.get('team-a', 'd'), { uid: uidOf('d'), state: 'waiting' });
      assert.deepEqual((await second.recordCompletion(success('a'))).ready, [expectedReady('d', ['a'])]);
      await second.close();
    } finally {
      await persistent.stop();
    }
  });
});
