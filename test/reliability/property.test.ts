/**
 * Property: whatever the schedule — random DAGs of up to 200 Tasks, every event delivered 1–3
 * times in random order and concurrently, some lost (resync repairs them), handlers crashing
 * after a random step and redelivered, API faults, Redis connections killed mid-handler — the
 * engine ends where a simple reference model says, having launched each Task at most once,
 * lost no output, and rendered no prompt before all of its dependencies' outputs were recorded.
 * Some Tasks have `ttlSecondsAfterFinished: 0`: each is deleted once it finished (with its outcome
 * in its status first); others may be deleted by hand once they finished (their delete events
 * as likely lost as any). Either way their dependents still render exactly what they made.
 *
 * Sized for CI on 2 cores: a time budget (RELIABILITY_PROPERTY_MS, default 60 s) ends the
 * run early (at most RELIABILITY_PROPERTY_RUNS schedules); the number of schedules run is printed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { seededRandom } from '../support/engine-harness.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { isolatedRenderer } from '../support/renderer.js';
import { ChaosEngine, type ChaosOptions } from './chaos-engine.js';
import { expected, taskName, template, type Dag } from './model.js';

const BUDGET_MS = Number(process.env.RELIABILITY_PROPERTY_MS ?? 60_000);
const MAX_RUNS = Number(process.env.RELIABILITY_PROPERTY_RUNS ?? 400);

const RANK: Record<string, number> = { '': 0, Waiting: 1, Pending: 2, Running: 3, Succeeded: 4, Failed: 4 };

/** A DAG: each Task depends on up to 4 earlier ones; a few agents fail. */
const dagArbitrary = fc
  .oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 25 }) }, { weight: 1, arbitrary: fc.integer({ min: 26, max: 200 }) })
  .chain((n) =>
    fc.record({
      n: fc.constant(n),
      deps: fc.array(fc.array(fc.nat(), { maxLength: 4 }), { minLength: n, maxLength: n }),
      failing: fc.array(fc.nat({ max: n - 1 }), { maxLength: Math.max(1, Math.floor(n / 8)) }),
      expiring: fc.array(fc.nat({ max: n - 1 }), { maxLength: Math.max(1, Math.floor(n / 4)) }),
    }),
  )
  .map(({ n, deps, failing, expiring }): Dag => ({
    names: Array.from({ length: n }, (_, i) => taskName(i)),
    // Only earlier Tasks, each once: acyclic by construction.
    deps: deps.map((ds, i) => (i === 0 ? [] : [...new Set(ds.map((d) => d % i))])),
    failing: new Set(failing),
    expiring: new Set(expiring),
  }));

const chaosArbitrary: fc.Arbitrary<ChaosOptions> = fc.record({
  crash: fc.double({ min: 0, max: 0.3, noNaN: true }),
  duplicate: fc.double({ min: 0, max: 0.6, noNaN: true }),
  lose: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.08, noNaN: true })),
  apiFault: fc.double({ min: 0, max: 0.1, noNaN: true }),
  redisKill: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.02, noNaN: true })),
  concurrency: fc.integer({ min: 1, max: 6 }),
  handDelete: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.05, noNaN: true })),
});

function manifest(dag: Dag, i: number) {
  return {
    apiVersion: 'axon.io/v1alpha1',
    kind: 'Task',
    metadata: { name: dag.names[i]! },
    spec: {
      type: 'claude-code',
      prompt: template(dag, i),
      credentials: { type: 'api-key', secretRef: { name: 'key' } },
      ...(dag.deps[i]!.length > 0 ? { dependsOn: dag.deps[i]!.map((d) => dag.names[d]!) } : {}),
      ...(dag.expiring?.has(i) ? { ttlSecondsAfterFinished: 0 } : {}),
    },
  };
}

let redis: RedisServer;
before(async () => {
  redis = await startRedisServer();
});
// One render process for every schedule, as one function process has.
const renderer = isolatedRenderer();
after(() => Promise.all([redis.stop(), renderer.close()]));

test('random DAGs under random schedules end as the reference model says', async (t) => {
  let schedules = 0;
  let tasks = 0;
  let largest = 0;
  const totals = { deliveries: 0, crashes: 0, duplicates: 0, lost: 0, apiFaults: 0, redisKills: 0, repairs: 0, expired: 0, handDeleted: 0 };
  const started = Date.now();

  const property = fc.asyncProperty(dagArbitrary, chaosArbitrary, fc.integer(), async (dag, chaos, seed) => {
    // The budget is checked here, between schedules: a schedule is never cut off half-way
    // (fast-check's own time limit abandons the run in flight, leaving its servers open).
    if (Date.now() - started > BUDGET_MS && schedules > 0) return;
    const namespace = `p${++schedules}`;
    const model = expected(dag);
    // Any Task without a TTL may be deleted by hand once it finished.
    const deletable = (name: string) => !(dag.expiring?.has(dag.names.indexOf(name)) ?? false);
    const engine = await ChaosEngine.start(redis, namespace, seededRandom(seed), { ...chaos, deletable }, (name) => dag.failing.has(dag.names.indexOf(name)), renderer);
    try {
      engine.apply(dag.names.map((_, i) => manifest(dag, i)));
      await engine.run();
      tasks += dag.names.length;
      largest = Math.max(largest, dag.names.length);
      for (const key of Object.keys(totals) as Array<keyof typeof totals>) {
        totals[key] +=
          key === 'repairs'
            ? engine.stats.repairs.length
            : key === 'expired'
              ? engine.deletedTasks.size - engine.handDeleted.length
              : key === 'handDeleted'
                ? engine.handDeleted.length
                : engine.stats[key];
      }

      assert.deepEqual(engine.refusals, [], 'every answer was a success or a retryable failure');
      for (const [i, name] of dag.names.entries()) {
        const want = model[i]!;
        const expiring = dag.expiring?.has(i) ?? false;
        const gone = expiring || engine.handDeleted.includes(name);
        // A Task with TTL 0 is gone, and its Job with it; what it last stood as is what it ended as.
        assert.equal(engine.api.get('tasks', namespace, name) === undefined, gone, `${name}: deleted iff its TTL is 0 or it was deleted by hand`);
        if (gone) assert.equal(engine.api.get('jobs', namespace, name), undefined, `${name}: its Job went with it`);
        const status = engine.lastKnown(name)?.status ?? {};
        assert.equal(status.phase, want.phase, `${name}: final phase`);
        // One Job per launched Task, created once; none for the others.
        assert.equal(engine.jobsCreated.get(name) ?? 0, want.launched ? 1 : 0, `${name}: Jobs created`);
        if (want.launched) assert.deepEqual(engine.jobArgs.get(name), [want.prompt], `${name}: prompt`);
        // No render before every dependency's outputs were recorded: every ready event ever
        // sent carried exactly the model's prompt.
        for (const prompt of engine.readyPrompts.get(name) ?? []) assert.equal(prompt, want.prompt, `${name}: a task.ready prompt`);
        if (want.phase === 'Succeeded') {
          assert.deepEqual(status.outputs, want.outputs, `${name}: outputs in the status`);
        }
        // Phases only advanced.
        const history = engine.phaseHistory.get(name) ?? [];
        for (let k = 1; k < history.length; k++) {
          const [from, to] = [history[k - 1]!, history[k]!];
          assert.ok(RANK[from]! < 4 && RANK[to]! >= RANK[from]!, `${name}: phase went ${history.join(' → ')}`);
        }
      }
      // Outputs never lost from the index either: each succeeded Task's entry is settled.
      for (const [i, name] of dag.names.entries()) {
        const entry = await engine.store.get(namespace, name);
        const state = dag.expiring?.has(i) || engine.handDeleted.includes(name) ? 'deleted' : model[i]!.phase === 'Succeeded' ? 'succeeded' : 'failed';
        assert.equal(entry?.state, state, `${name}: index state`);
      }
      // Nothing was ever "lost" in this schedule's cluster: resync never failed a Task for a missing Job.
      assert.deepEqual(engine.stats.repairs.filter((r) => r.kind === 'lost'), []);
    } finally {
      await engine.close();
    }
  });

  await fc.assert(property, {
    numRuns: MAX_RUNS,
    // Always include one schedule at the full size, under every kind of fault at once.
    examples: [
      [
        {
          names: Array.from({ length: 200 }, (_, i) => taskName(i)),
          deps: Array.from({ length: 200 }, (_, i) => (i === 0 ? [] : [...new Set([(i * 7) % i, (i * 13) % i, i - 1])])),
          failing: new Set([150, 190]),
          expiring: new Set([0, 5, 50, 150, 151, 199]),
        },
        { crash: 0.2, duplicate: 0.5, lose: 0.03, apiFault: 0.05, redisKill: 0.01, concurrency: 4, handDelete: 0.05 },
        42,
      ],
    ],
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const summary =
    `${schedules} schedules run (${tasks} Tasks, largest DAG ${largest}) in ${seconds} s: ` +
    `${totals.deliveries} deliveries, ${totals.duplicates} duplicates, ${totals.crashes} injected crashes, ` +
    `${totals.apiFaults} API faults, ${totals.redisKills} Redis connection kills, ${totals.lost} events lost, ` +
    `${totals.repairs} resync repairs, ${totals.expired} Tasks expired (TTL 0), ${totals.handDeleted} deleted by hand`;
  t.diagnostic(summary);
  console.log(`property: ${summary}`);
  assert.ok(schedules >= 1);
});
