/**
 * The store on a Sentinel-managed Redis (one primary, one replica, three Sentinels run as
 * `redis-server --sentinel`, on free loopback ports), through the client the functions build:
 * the whole Store contract, then a failover — readiness says not ready while there is no
 * primary, errors are transient only, and the promoted replica serves what it had received.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { TransientError } from '../../shared/errors.js';
import { createRedisStore } from '../../shared/store/redis-store.js';
import type { Store } from '../../shared/store/store.js';
import { adminClient, startRedisSentinel, waitFor, type SentinelServers } from '../support/redis-topology.js';
import { startFunctionProcess } from '../support/function-process.js';
import { storeContract, success, task } from './contract.js';

let sentinel: SentinelServers;

before(async () => {
  sentinel = await startRedisSentinel();
});

after(async () => {
  await sentinel?.stop();
});

function ready(client: Redis): Promise<Redis> {
  if (client.status === 'ready') return Promise.resolve(client);
  return new Promise((resolve, reject) => {
    client.once('ready', () => resolve(client));
    client.once('end', () => reject(new Error('client ended before it was ready')));
  });
}

async function freshStore(): Promise<Store> {
  const client = await ready(sentinel.client());
  await client.flushall();
  return createRedisStore(client);
}

storeContract('redis sentinel', async () => {
  const store = await freshStore();
  return { store, cleanup: () => store.close() };
});

describe('redis sentinel store', () => {
  it('connects to the primary the Sentinels name, and is ready', async () => {
    const store = await freshStore();
    await store.ping();
    await store.register(task('a'));
    const primary = adminClient(await sentinel.primaryPort());
    try {
      assert.equal(await primary.exists('dendrite:{team-a}:t:a'), 1);
    } finally {
      primary.disconnect();
    }
    await store.close();
  });

  it('a function started with this shape (sentinel) serves and is ready', async () => {
    const fn = await startFunctionProcess('job-status', { REDIS_SENTINELS: sentinel.sentinels.map((s) => `127.0.0.1:${s.port}`).join(','), REDIS_SENTINEL_MASTER: sentinel.masterName });
    try {
      await waitFor('/readyz 200', async () => (await fn.readyz()) === 200, 20_000, 100);
      assert.match(fn.output(), /"redis":"sentinel /);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${fn.output()}`);
    } finally {
      await fn.stop();
    }
  });

  // Last: it fails the primary over.
  it('through a failover: not ready and transient errors until the replica is promoted, then serves what it had', async () => {
    const store = await freshStore();
    await store.register(task('d', ['a']));
    const old = await sentinel.primaryPort();
    // Wait until the replica has the write, so this test is about the failover, not lost writes.
    const primary = adminClient(old);
    await primary.call('WAIT', '1', '2000');
    primary.disconnect();
    sentinel.server(old).signal('SIGKILL');
    const during = await waitFor('readiness to report the lost primary', () => store.ping().then(() => undefined, (err: unknown) => err), 10_000, 50);
    assert.ok(during instanceof TransientError, String(during));
    await assert.rejects(store.register(task('e')), TransientError);
    const promoted = await sentinel.waitForPromotion(old);
    assert.notEqual(promoted, old);
    await waitFor('readiness again', () => store.ping().then(() => true), 20_000, 100);
    assert.deepEqual(await store.get('team-a', 'd'), { uid: 'uid-d-1', state: 'waiting' });
    assert.equal((await store.recordCompletion(success('a'))).ready.length, 1);
    await store.close();
  });
});
