/**
 * Resharding mid-run on a real Redis Cluster: a 500-Task DAG runs through the functions (two
 * instances each, events duplicated and reordered) while `redis-cli --cluster reshard` moves
 * the namespace's slot — with every key of the namespace in it — to another primary. No
 * delivery may fail permanently, and every Task ends as the reference model says.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../support/engine-harness.js';
import { namespaceInSlot } from '../support/key-slot.js';
import { adminClient, redisCli, startRedisCluster, type RedisClusterServers } from '../support/redis-topology.js';
import { isolatedRenderer } from '../support/renderer.js';
import { ChaosEngine } from './chaos-engine.js';
import { assertAsModel, dagTasks, layeredDag } from './dag-run.js';

let cluster: RedisClusterServers;
const renderer = isolatedRenderer();
before(async () => {
  cluster = await startRedisCluster();
});
after(() => Promise.all([cluster?.stop(), renderer.close()]));

/** Slots moved between two primaries' nodes, through MIGRATE, counted by the source. */
async function migratedKeys(port: number): Promise<number> {
  const admin = adminClient(port);
  try {
    const stats = await admin.info('commandstats');
    return Number(/cmdstat_migrate:calls=(\d+)/.exec(stats)?.[1] ?? 0);
  } finally {
    admin.disconnect();
  }
}

test('a 500-Task DAG while the namespace\'s slot moves to another primary: same final state, no permanent failure', async (t) => {
  // `--cluster reshard` moves a source's lowest slots first: choose a namespace in the lowest
  // slot of the first primary, so moving one slot moves exactly that namespace.
  const primaries = await cluster.primaries();
  const from = await cluster.ownerOf(0);
  const to = primaries.find((p) => p !== from)!;
  const namespace = namespaceInSlot('reshard', 0);
  assert.equal(await cluster.keySlot(`{${namespace}}`), 0);

  const random = seededRandom(19);
  const dag = layeredDag(random, 5, 100, 37);
  let reshard: Promise<string> | undefined;
  const engine = await ChaosEngine.start(
    { connect: () => cluster.client() },
    namespace,
    random,
    {
      crash: 0, duplicate: 0.2, lose: 0, apiFault: 0, redisKill: 0, concurrency: 16, instances: 2, startJobs: 0.3, retryDelayMs: 50,
      beforeBatch: async (stats) => {
        // A third of the way in, start moving the slot; the run goes on meanwhile.
        if (!reshard && stats.deliveries >= 600) {
          const [fromId, toId] = await Promise.all([cluster.nodeId(from), cluster.nodeId(to)]);
          reshard = redisCli([
            '--cluster', 'reshard', `127.0.0.1:${from}`,
            '--cluster-from', fromId, '--cluster-to', toId, '--cluster-slots', '1',
            // One key per MIGRATE: the slot stays open (migrating) for as long as possible.
            '--cluster-pipeline', '1', '--cluster-yes',
          ]);
        }
      },
    },
    (name) => dag.failing.has(dag.names.indexOf(name)),
    renderer,
  );
  try {
    engine.apply(dagTasks(dag));
    const started = Date.now();
    await engine.run();
    assert.ok(reshard, 'the reshard started during the run');
    const output = await reshard;
    assert.match(output, /Moving slot 0 from/);
    t.diagnostic(
      `500 Tasks on Redis Cluster, slot 0 moved ${from} → ${to} mid-run: ${engine.stats.deliveries} deliveries, ` +
        `${engine.stats.transientFailures} transient failures, ${engine.stats.redeliveries} redeliveries, ` +
        `${await migratedKeys(from)} MIGRATE calls, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    assert.equal(await cluster.ownerOf(0), to, 'the namespace now lives on the other primary');
    assert.ok((await migratedKeys(from)) > 100, 'the namespace\'s keys moved one by one while the run went on');
    assertAsModel(engine, dag, namespace);
  } finally {
    await reshard?.catch(() => undefined);
    await engine.close();
  }
});
