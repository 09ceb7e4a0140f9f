/**
 * resync through the whole engine (real Redis, the fake API server through client-node): every
 * kind of lost event is repaired from the cluster's own state, a wiped Redis is rebuilt, work
 * per run is bounded, and a run over a consistent system repairs nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudEvent } from 'cloudevents';
import { Redis } from 'ioredis';
import { TASK_READY } from '../../shared/events/types.js';
import { planRepairs, newResyncState } from '../../shared/resync/plan.js';
import { apiServerEvent } from '../support/apiserver-source.js';
import { EngineHarness } from '../support/engine-harness.js';
import { expectedSynthesisPrompt, seedTasks } from '../e2e/seed.js';
import { phases, resyncUntilQuiet, runToEnd, task, unfinishedJobs } from './drive.js';

const ENDPOINTS = ['GET /projects - list projects', 'POST /projects/{id}/tasks - create a task'];
const SCHEMA = 'Project(id, name) 1-n Task(id, project_id, title)';

function jobArgs(h: EngineHarness, name: string, namespace = 'default'): string[] {
  const job = h.api.get('jobs', namespace, name) as unknown as { spec: { template: { spec: { containers: Array<{ args?: string[] }> } } } };
  return job.spec.template.spec.containers[0]!.args ?? [];
}

describe('resync repairs what lost events left behind', () => {
  let h: EngineHarness;
  let counter = 0;
  let ns: string;
  before(async () => {
    h = await EngineHarness.start({ resync: { lostJobGraceMs: 0 } });
  });
  after(() => h.close());
  const fresh = () => (ns = `rs${++counter}`);

  test('lost add events: resync registers the Tasks, launches the roots, and the run finishes', async () => {
    fresh();
    h.applyTasks([task('a'), task('b', { dependsOn: ['a'], prompt: 'after {{ index .Deps "a" "Outputs" }}' })], ns);
    assert.equal(h.dropSourceEvents().length, 2);
    const report = await h.resync({ namespaces: [ns] });
    assert.deepEqual(report.counts, { register: 2 });
    assert.deepEqual(report.repairs.map((r) => `${r.name}:${r.result}`), ['a:ready', 'b:waiting']);
    await runToEnd(h, ns);
    assert.deepEqual(phases(h, ['a', 'b'], ns), { a: 'Succeeded', b: 'Succeeded' });
    assert.deepEqual(jobArgs(h, 'b', ns), ['after [design: 0 endpoints combined]']);
    assert.deepEqual(await resyncUntilQuiet(h), [0]);
  });

  test('a lost Job completion: resync completes the Task from its Job (outputs from the log) and releases dependents', async () => {
    fresh();
    h.applyTasks([task('a'), task('b', { dependsOn: ['a'], prompt: 'got {{ index .Deps "a" "Outputs" }}' })], ns);
    await h.drain();
    h.startJob('a', ns);
    h.finishJob('a', ns);
    h.dropSourceEvents();
    assert.equal(h.task('a', ns).status?.phase, 'Pending');
    const report = await h.resync({ namespaces: [ns] });
    assert.deepEqual(report.repairs.map((r) => `${r.kind} ${r.name} ${r.result}`), ['complete a recorded']);
    assert.equal(h.task('a', ns).status?.phase, 'Succeeded');
    assert.deepEqual(h.task('a', ns).status?.outputs, ['design: 0 endpoints combined']);
    await runToEnd(h, ns);
    assert.deepEqual(jobArgs(h, 'b', ns), ['got [design: 0 endpoints combined]']);
    assert.equal(h.task('b', ns).status?.phase, 'Succeeded');
  });

  test('a lost task.ready: resync emits it again and the Task launches once', async () => {
    fresh();
    h.applyTasks([task('solo')], ns);
    for (const event of h.dropSourceEvents()) await h.publish(event);
    const lost = h.dropQueued();
    assert.deepEqual(lost.map((e) => e.type), [TASK_READY]);
    assert.deepEqual(h.jobNames(ns), []);
    const report = await h.resync({ namespaces: [ns] });
    assert.deepEqual(report.repairs.map((r) => `${r.kind} ${r.result}`), ['launch ready']);
    await h.drain();
    assert.deepEqual(h.jobNames(ns), ['solo']);
    assert.deepEqual(await resyncUntilQuiet(h), [0]);
  });

  test('a dependent left waiting by a lost release is released from its dependencies\' recorded results', async () => {
    fresh();
    h.applyTasks([task('a')], ns);
    await runToEnd(h, ns);
    // This namespace's index is lost; b (new) registers before a is re-registered from its
    // record, so b counts a as pending, and registering a (Succeeded) never releases anyone.
    const admin = new Redis(h.redisServer.url);
    const keys = await admin.keys(`dendrite:{${ns}}:*`);
    assert.ok(keys.length > 0);
    await admin.del(...keys);
    await admin.quit();
    h.applyTasks([task('b', { dependsOn: ['a'], prompt: 'x {{ index .Deps "a" "Outputs" }}' })], ns);
    h.dropSourceEvents();
    await h.deliverTo('task-intake', apiServerEvent('dev.knative.apiserver.resource.add', h.task('b', ns)));
    await h.deliverTo('task-intake', apiServerEvent('dev.knative.apiserver.resource.update', h.task('a', ns)));
    assert.equal((await h.store.get(ns, 'b'))?.state, 'waiting');
    const report = await h.resync({ namespaces: [ns] });
    assert.deepEqual(report.repairs.map((r) => `${r.kind} ${r.name} ${r.result}`), ['release b duplicate']);
    await runToEnd(h, ns);
    assert.deepEqual(jobArgs(h, 'b', ns), ['x [design: 0 endpoints combined]']);
    assert.equal(h.task('b', ns).status?.phase, 'Succeeded');
  });

  test('a Job deleted before its outcome was recorded: suspected once, then failed (never relaunched)', async () => {
    fresh();
    h.applyTasks([task('gone'), task('after', { dependsOn: ['gone'] })], ns);
    await h.drain();
    h.startJob('gone', ns);
    await h.drain();
    assert.equal(h.task('gone', ns).status?.phase, 'Running');
    h.api.remove('jobs', ns, 'gone');
    h.dropSourceEvents();
    const first = await h.resync({ namespaces: [ns] });
    assert.equal(first.suspected, 1);
    assert.deepEqual(first.repairs, []);
    const second = await h.resync({ namespaces: [ns] });
    assert.deepEqual(second.repairs.map((r) => `${r.kind} ${r.name} ${r.result}`), ['lost gone failed']);
    await h.drain();
    assert.match(String(h.task('gone', ns).status?.message), /Job gone was deleted before its outcome was recorded/);
    assert.deepEqual(phases(h, ['gone', 'after'], ns), { gone: 'Failed', after: 'Failed' });
    assert.deepEqual(h.jobNames(ns), []);
  });

  test('work per run is bounded: the rest is deferred to the next run, and pages are walked', async () => {
    fresh();
    h.applyTasks(['t1', 't2', 't3', 't4', 't5'].map((n) => task(n)), ns);
    h.dropSourceEvents();
    const first = await h.resync({ namespaces: [ns], maxRepairs: 2, pageSize: 2 });
    assert.equal(first.tasks, 5);
    assert.equal(first.repairs.length, 2);
    assert.equal(first.deferred, 3);
    await h.drain();
    const second = await h.resync({ namespaces: [ns], maxRepairs: 2, pageSize: 2 });
    assert.equal(second.repairs.length, 2);
    await h.drain();
    const third = await h.resync({ namespaces: [ns], maxRepairs: 2, pageSize: 2 });
    assert.equal(third.repairs.length, 1);
    assert.equal(third.deferred, 0);
    await h.drain();
    assert.deepEqual(h.jobNames(ns), ['t1', 't2', 't3', 't4', 't5']);
  });

  test('the resync function answers a PingSource tick with 202 and repairs; a tick of another kind is refused', async () => {
    fresh();
    h.applyTasks([task('pinged')], ns);
    h.dropSourceEvents();
    const tick = new CloudEvent({ type: 'dev.knative.sources.ping', source: '/apis/v1/namespaces/dendrite/pingsources/dendrite-resync', data: { reason: 'periodic resync' }, dendritetick: 'resync' } as never);
    const first = h.deliveries.length;
    await h.publish(tick);
    // The same tick goes to the TaskSpawners too (Trigger spawner-tick).
    assert.deepEqual(h.deliveries.slice(first).map((d) => [d.function, d.status]).sort(), [['resync', 202], ['task-spawner', 202]]);
    await h.drain();
    assert.deepEqual(h.jobNames(ns), ['pinged']);
    // Another PingSource's tick (without our extension) reaches no Trigger.
    const before = h.deliveries.length;
    await h.publish(new CloudEvent({ type: 'dev.knative.sources.ping', source: '/elsewhere', data: {} }));
    assert.equal(h.deliveries.length, before);
    const refused = await h.deliverTo('resync', new CloudEvent({ type: 'dev.dendrite.task.ready', source: '/x', data: {} }));
    assert.equal(refused.status, 400);
  });
});

describe('Redis wiped mid-run (FLUSHALL): resync rebuilds the index from Task statuses and the run finishes correctly', () => {
  test('the seed example, wiped after the first research Task succeeded', async () => {
    const h = await EngineHarness.start();
    try {
      const tasks = seedTasks();
      const synthesis = tasks.find((t) => t.metadata.name === 'synthesize-design')!;
      h.applyTasks(tasks);
      await h.drain();
      h.startJob('research-api-design');
      h.finishJob('research-api-design');
      await h.drain();
      h.startJob('research-data-model');
      await h.drain();

      const admin = new Redis(h.redisServer.url);
      await admin.flushall();
      assert.equal(await admin.dbsize(), 0);

      // The last research Task completes into an empty index: its completion is kept, but
      // synthesize-design is unknown there, so nothing releases it…
      h.finishJob('research-data-model');
      await h.drain();
      assert.equal(h.task('synthesize-design').status?.phase, 'Waiting');
      assert.deepEqual(h.jobNames(), ['research-api-design', 'research-data-model']);

      // …until resync registers everything from the record.
      const runs = await resyncUntilQuiet(h);
      assert.ok(runs[0]! >= 2, `first run repaired ${runs[0]}`);
      assert.equal(runs.at(-1), 0);
      assert.deepEqual(h.jobNames(), ['research-api-design', 'research-data-model', 'synthesize-design']);
      assert.deepEqual(jobArgs(h, 'synthesize-design'), [expectedSynthesisPrompt(synthesis.spec.prompt, ENDPOINTS, SCHEMA)]);
      await runToEnd(h);
      assert.deepEqual(phases(h, ['research-api-design', 'research-data-model', 'synthesize-design']), {
        'research-api-design': 'Succeeded',
        'research-data-model': 'Succeeded',
        'synthesize-design': 'Succeeded',
      });
      // The index was rebuilt completely: one entry per Task, each settled.
      for (const name of ['research-api-design', 'research-data-model', 'synthesize-design']) {
        assert.equal((await h.store.get('default', name))?.state, 'succeeded');
      }
      assert.deepEqual(unfinishedJobs(h), []);
      await admin.quit();
    } finally {
      await h.close();
    }
  });
});

describe('planRepairs (pure)', () => {
  const facts = (name: string, extra: Record<string, unknown> = {}) => ({
    namespace: 'n',
    name,
    uid: `u-${name}`,
    dependsOn: [] as string[],
    entry: { uid: `u-${name}`, state: 'waiting' as const },
    ...extra,
  });

  test('registrations first, dependencies before dependents; one repair per Task', () => {
    const tasks = [
      facts('c', { dependsOn: ['b'], entry: null }),
      facts('b', { dependsOn: ['a'], entry: null }),
      facts('a', { entry: null }),
      facts('x', { phase: 'Succeeded', entry: { uid: 'u-x', state: 'launched' } }),
    ];
    const { repairs } = planRepairs(tasks as never, newResyncState(), 0, 0);
    assert.deepEqual(repairs.map((r) => `${r.kind} ${r.name}`), ['register a', 'register b', 'register c', 'record x']);
  });

  test('a consistent snapshot plans nothing', () => {
    const tasks = [
      facts('a', { phase: 'Succeeded', entry: { uid: 'u-a', state: 'succeeded' }, job: { name: 'a', ownerUid: 'u-a', finished: true, active: false } }),
      facts('b', { phase: 'Waiting', dependsOn: ['c'] }),
      facts('r', { phase: 'Running', entry: { uid: 'u-r', state: 'launched' }, job: { name: 'r', ownerUid: 'u-r', finished: false, active: true } }),
    ];
    assert.deepEqual(planRepairs(tasks as never, newResyncState(), 0, 0).repairs, []);
  });

  test('a Job owned by an earlier incarnation is not this Task\'s Job', () => {
    const tasks = [facts('t', { phase: 'Pending', entry: { uid: 'u-t', state: 'ready' }, job: { name: 't', ownerUid: 'old', finished: true, active: false } })];
    assert.deepEqual(planRepairs(tasks as never, newResyncState(), 0, 0).repairs.map((r) => r.kind), ['launch']);
  });
});
