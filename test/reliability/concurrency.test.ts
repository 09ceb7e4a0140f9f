/**
 * Concurrency: two instances of each function (each with its own Redis and API clients)
 * against one Redis and one API server, a 1,000-Task DAG, every event delivered at least twice,
 * many deliveries in flight at once, each to either instance → exactly one Job per Task,
 * every prompt exactly as the reference model renders it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../support/engine-harness.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { isolatedRenderer } from '../support/renderer.js';
import { ChaosEngine } from './chaos-engine.js';
import { expected, taskName, template, type Dag } from './model.js';

let redis: RedisServer;
before(async () => {
  redis = await startRedisServer();
});
// One render process for every schedule, as one function process has.
const renderer = isolatedRenderer();
after(() => Promise.all([redis.stop(), renderer.close()]));

/** Five layers of 200; each Task after the first layer depends on 1–3 Tasks of the layer before. */
function layeredDag(random: () => number): Dag {
  const layers = 5;
  const width = 200;
  const names = Array.from({ length: layers * width }, (_, i) => taskName(i));
  const deps = names.map((_, i) => {
    const layer = Math.floor(i / width);
    if (layer === 0) return [];
    const count = 1 + Math.floor(random() * 3);
    return [...new Set(Array.from({ length: count }, () => (layer - 1) * width + Math.floor(random() * width)))];
  });
  return { names, deps, failing: new Set() };
}

test('two instances of each function, 1,000 Tasks, duplicated deliveries: exactly one Job per Task', async (t) => {
  const random = seededRandom(1000);
  const dag = layeredDag(random);
  const model = expected(dag);
  const engine = await ChaosEngine.start(
    redis,
    'concurrent',
    random,
    { crash: 0, duplicate: 0.2, alwaysDuplicate: true, lose: 0, apiFault: 0, redisKill: 0, concurrency: 24, instances: 2, startJobs: 0 },
    () => false,
    renderer,
  );
  try {
    engine.apply(
      dag.names.map((name, i) => ({
        apiVersion: 'axon.io/v1alpha1',
        kind: 'Task',
        metadata: { name },
        spec: {
          type: 'claude-code',
          prompt: template(dag, i),
          credentials: { type: 'api-key', secretRef: { name: 'key' } },
          ...(dag.deps[i]!.length > 0 ? { dependsOn: dag.deps[i]!.map((d) => dag.names[d]!) } : {}),
        },
      })),
    );
    const started = Date.now();
    await engine.run();
    t.diagnostic(
      `1,000 Tasks, 2 instances each: ${engine.stats.deliveries} deliveries (${engine.stats.duplicates} duplicates) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    assert.deepEqual(engine.refusals, []);
    assert.equal(engine.api.list('jobs', 'concurrent').length, 1000);
    const created = [...engine.jobsCreated.values()];
    assert.equal(created.length, 1000);
    assert.ok(created.every((n) => n === 1), 'each Job created exactly once');
    for (const [i, name] of dag.names.entries()) {
      assert.equal(engine.task(name).status?.phase, 'Succeeded', name);
      const job = engine.api.get('jobs', 'concurrent', name) as unknown as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };
      assert.deepEqual(job.spec.template.spec.containers[0]!.args, [model[i]!.prompt]);
    }
    assert.ok(engine.stats.duplicates >= engine.stats.deliveries / 3, 'most events were delivered more than once');
    assert.deepEqual(engine.stats.repairs, [], 'nothing was lost, so resync found nothing to repair');
  } finally {
    await engine.close();
  }
});
