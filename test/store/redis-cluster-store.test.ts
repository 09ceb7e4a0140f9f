/**
 * The store on a real Redis Cluster (3 primaries, a replica each, made by
 * `redis-cli --cluster create` on free loopback ports), through the client the functions
 * build: the whole Store contract, every script's keys in one slot, and what a lost primary
 * looks like (transient errors and readiness, never a permanent failure).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster } from 'ioredis';
import { openStore } from '../../cli/store.js';
import { PermanentError, TransientError } from '../../shared/errors.js';
import { createRedisStore } from '../../shared/store/redis-store.js';
import type { Store } from '../../shared/store/store.js';
import { adminClient, startRedisCluster, waitFor, type RedisClusterServers } from '../support/redis-topology.js';
import { startFunctionProcess } from '../support/function-process.js';
import { failure, storeContract, success, task } from './contract.js';

let cluster: RedisClusterServers;

before(async () => {
  cluster = await startRedisCluster();
});

after(async () => {
  await cluster?.stop();
});

function ready(client: Cluster): Promise<Cluster> {
  if (client.status === 'ready') return Promise.resolve(client);
  return new Promise((resolve, reject) => {
    client.once('ready', () => resolve(client));
    client.once('end', () => reject(new Error('cluster client ended before it was ready')));
  });
}

async function freshStore(): Promise<Store> {
  await cluster.flushAll();
  return createRedisStore(await ready(cluster.client()));
}

storeContract('redis cluster', async () => {
  const store = await freshStore();
  return { store, cleanup: () => store.close() };
});

/** Records, on every primary, the keys the store's scripts touch while `run` runs. */
async function keysTouchedByScripts(run: () => Promise<void>): Promise<string[]> {
  const admins = (await cluster.primaries()).map((port) => adminClient(port));
  const monitors = await Promise.all(admins.map((admin) => admin.monitor()));
  const keys = new Set<string>();
  for (const monitor of monitors) {
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source === 'lua' && args[1] !== undefined) keys.add(String(args[1]));
    });
  }
  try {
    await run();
    // MONITOR lines trail the replies a little.
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    for (const client of [...monitors, ...admins]) client.disconnect();
  }
  return [...keys];
}

describe('redis cluster store', () => {
  it('touches only keys of the namespace\'s slot in every step, whatever the namespace', async () => {
    const store = await freshStore();
    const namespaces = ['team-a', 'team-b', 'payments', 'x'];
    const touched = await keysTouchedByScripts(async () => {
      for (const namespace of namespaces) {
        const n = <T extends object>(input: T): T => ({ ...input, namespace });
        await store.register(n(task('a')));
        await store.register(n(task('b')));
        await store.register(n(task('d', ['a', 'b', 'later'])));
        await store.register(n(task('c1', ['c2'])));
        await store.register(n(task('c2', ['c1'])));
        await store.register(n(task('e', ['d'])));
        await store.markLaunched(namespace, 'a', 'uid-a-1');
        await store.recordPrompts(namespace, [{ name: 'b', uid: 'uid-b-1', prompt: 'p' }]);
        await store.recordCompletion(n(success('a')));
        await store.recordCompletion(n(failure('later', { uid: undefined })));
        await store.register(n(task('x', [], { observed: { phase: 'Succeeded', outputs: ['o'], results: null, response: 'r' } })));
        await store.remove(namespace, 'x', 'uid-x-1');
      }
    });
    assert.ok(touched.length > 20, `scripts touched keys: ${touched.join(', ')}`);
    const slotOf = new Map(await Promise.all(namespaces.map(async (ns) => [ns, await cluster.keySlot(`{${ns}}`)] as const)));
    const wrong: string[] = [];
    for (const key of touched) {
      const ns = /^dendrite:\{([^}]+)\}:/.exec(key)?.[1];
      if (!ns || (await cluster.keySlot(key)) !== slotOf.get(ns)) wrong.push(key);
    }
    assert.deepEqual(wrong, []);
    // The namespaces really are spread: more than one primary served them.
    const owners = new Set(await Promise.all([...slotOf.values()].map((slot) => cluster.ownerOf(slot))));
    assert.ok(owners.size > 1, 'the namespaces landed on more than one shard');
    await store.close();
  });

  it('the local CLI refuses a Cluster node before anything runs: a local run takes one Redis', async () => {
    await assert.rejects(openStore(`redis://127.0.0.1:${cluster.nodes[0]!.port}`), /is a Redis Cluster node: dendrite run coordinates through a single Redis/);
  });

  it('refuses a key prefix that would break the hash tag', async () => {
    assert.throws(() => createRedisStore(cluster.client(), { keyPrefix: 'dendrite:{x}:' }), /brace/);
    const store = await freshStore();
    await assert.rejects(store.register({ ...task('a'), namespace: 'we{ird}' }), PermanentError);
    await store.close();
  });

  it('a function started with this shape (cluster) serves and is ready', async () => {
    const fn = await startFunctionProcess('job-status', { REDIS_CLUSTER_NODES: cluster.nodes.slice(0, 2).map((n) => `127.0.0.1:${n.port}`).join(',') });
    try {
      await waitFor('/readyz 200', async () => (await fn.readyz()) === 200, 20_000, 100);
      assert.match(fn.output(), /"redis":"cluster /);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${fn.output()}`);
    } finally {
      await fn.stop();
    }
  });

  // Last: it takes a primary away for good.
  it('while a primary is lost: transient errors and not ready; ready again once its replica takes over', async () => {
    const store = await freshStore();
    await store.register(task('d', ['a']));
    const slot = await cluster.keySlot('{team-a}');
    const port = await cluster.ownerOf(slot);
    const node = cluster.nodes.find((n) => n.port === port)!;
    node.signal('SIGKILL');
    // Until the replica is promoted (cluster-node-timeout 2 s): failures are transient only.
    const errors = await waitFor('readiness to report the lost primary', async () => {
      try {
        await store.ping();
        return undefined;
      } catch (err) {
        return err;
      }
    }, 10_000, 50);
    assert.ok(errors instanceof TransientError, String(errors));
    const during = await store.get('team-a', 'd').then(() => 'answered', (err: unknown) => err);
    assert.ok(during === 'answered' || during instanceof TransientError, `get during failover: ${String(during)}`);
    await waitFor('a replica to take the slot over', async () => (await cluster.ownerOf(slot)) !== port, 20_000, 200);
    await waitFor('readiness again', () => store.ping().then(() => true), 20_000, 200);
    // What was written before the failover is served by the promoted replica (it had synced).
    assert.deepEqual(await store.get('team-a', 'd'), { uid: 'uid-d-1', state: 'waiting' });
    assert.equal((await store.recordCompletion(success('a'))).ready.length, 1);
    await store.close();
  });
});
