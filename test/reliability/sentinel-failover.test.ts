/**
 * Failover mid-run on a Sentinel-managed Redis (one primary, one replica, three Sentinels):
 * a 500-Task DAG runs through the functions (two instances each, events duplicated and
 * reordered) while the primary goes away and Sentinel promotes the replica. Every Task must
 * end as the reference model says, with one Job per Task and every output delivered.
 *
 * Replication is asynchronous: a write the primary acknowledged may never reach the replica.
 * The second run makes sure of it — the replica is frozen and cut off while the run goes on,
 * then the primary is killed — and checks that the promoted replica really lacks those writes
 * and that resync, from the Tasks' statuses, repairs everything they carried.
 */
import { after, beforeEach, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../support/engine-harness.js';
import { adminClient, startRedisSentinel, type SentinelServers } from '../support/redis-topology.js';
import { isolatedRenderer } from '../support/renderer.js';
import { ChaosEngine, type ChaosOptions } from './chaos-engine.js';
import { assertAsModel, dagTasks, layeredDag } from './dag-run.js';

let sentinel: SentinelServers;
const renderer = isolatedRenderer();
beforeEach(async () => {
  sentinel = await startRedisSentinel();
});
afterEach(() => sentinel?.stop());
after(() => renderer.close());

const RUN: Omit<ChaosOptions, 'beforeBatch'> = {
  crash: 0, duplicate: 0.2, lose: 0, apiFault: 0, redisKill: 0, concurrency: 16, instances: 2, startJobs: 0.3, retryDelayMs: 100,
};

async function replicationOffset(port: number, field: 'master_repl_offset' | 'second_repl_offset'): Promise<number> {
  const admin = adminClient(port);
  try {
    return Number(new RegExp(`${field}:(-?\\d+)`).exec(await admin.info('replication'))?.[1]);
  } finally {
    admin.disconnect();
  }
}

test('a 500-Task DAG while the primary freezes (DEBUG SLEEP) and Sentinel promotes the replica', async (t) => {
  const random = seededRandom(500);
  const dag = layeredDag(random, 5, 100, 41);
  const old = await sentinel.primaryPort();
  let frozen = false;
  const engine = await ChaosEngine.start(
    { connect: () => sentinel.client() },
    'failover',
    random,
    {
      ...RUN,
      beforeBatch: async (stats) => {
        if (frozen || stats.deliveries < 600) return;
        frozen = true;
        // Asleep for longer than the Sentinels wait (1 s) and than a command waits (5 s): its
        // clients time out, the replica is promoted, and the old primary wakes up demoted.
        const admin = adminClient(old);
        void admin.call('DEBUG', 'SLEEP', '7').catch(() => undefined).finally(() => admin.disconnect());
      },
    },
    (name) => dag.failing.has(dag.names.indexOf(name)),
    renderer,
  );
  try {
    engine.apply(dagTasks(dag));
    const started = Date.now();
    await engine.run();
    const now = await sentinel.primaryPort();
    t.diagnostic(
      `500 Tasks through a Sentinel failover (${old} → ${now}): ${engine.stats.deliveries} deliveries, ` +
        `${engine.stats.transientFailures} transient failures, ${engine.stats.repairs.length} resync repairs, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    assert.ok(frozen, 'the primary froze mid-run');
    assert.notEqual(now, old, 'the replica was promoted');
    assert.ok(engine.stats.transientFailures > 0, 'the functions felt the failover (503s, redelivered)');
    assertAsModel(engine, dag, 'failover');
  } finally {
    await engine.close();
  }
});

test('writes the replica never received are lost by the failover and repaired by resync', async (t) => {
  const random = seededRandom(501);
  const dag = layeredDag(random, 5, 100, 43);
  const old = await sentinel.primaryPort();
  const replica = sentinel.replicas[0]!;
  let phase: 'before' | 'cut off' | 'killed' = 'before';
  let cutAt = 0;
  let ackedOffset = 0;
  const engine = await ChaosEngine.start(
    { connect: () => sentinel.client() },
    'lost-writes',
    random,
    {
      ...RUN,
      beforeBatch: async (stats) => {
        if (phase === 'before' && stats.deliveries >= 600) {
          // The replica stops (frozen, so it cannot reconnect) and its link is cut: from now on
          // the primary acknowledges writes that exist nowhere else.
          replica.signal('SIGSTOP');
          const admin = adminClient(old);
          try {
            await admin.call('CLIENT', 'KILL', 'TYPE', 'replica');
          } finally {
            admin.disconnect();
          }
          phase = 'cut off';
          cutAt = stats.deliveries;
        } else if (phase === 'cut off' && stats.deliveries >= cutAt + 300) {
          ackedOffset = await replicationOffset(old, 'master_repl_offset');
          sentinel.server(old).signal('SIGKILL');
          replica.signal('SIGCONT');
          phase = 'killed';
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
    assert.equal(phase, 'killed', 'the primary was killed mid-run');
    const now = await sentinel.primaryPort();
    assert.equal(now, replica.port, 'the replica was promoted');
    // What the promoted replica had when it took over, against what the primary had acknowledged.
    const promotedAt = (await replicationOffset(now, 'second_repl_offset')) - 1;
    t.diagnostic(
      `500 Tasks, primary killed after ${300}+ deliveries the replica never saw: ${ackedOffset - promotedAt} bytes of ` +
        `acknowledged writes lost, ${engine.stats.repairs.length} resync repairs (${[...new Set(engine.stats.repairs.map((r) => r.kind))].join(', ')}), ` +
        `${engine.stats.deliveries} deliveries in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    assert.ok(promotedAt < ackedOffset, `the promoted replica lacks acknowledged writes (${promotedAt} < ${ackedOffset})`);
    assert.ok(engine.stats.repairs.length > 0, 'resync had something to repair');
    assertAsModel(engine, dag, 'lost-writes');
  } finally {
    replica.signal('SIGCONT');
    await engine.close();
  }
});
