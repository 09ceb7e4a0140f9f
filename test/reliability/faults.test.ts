/**
 * Redis and API server faults through the whole engine: the right status code out (503, 429
 * with Retry-After), the work resumable by redelivery, nothing recorded lost.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudEvent } from 'cloudevents';
import request from 'supertest';
import { APISERVER_ADD, TASK_READY } from '../../shared/events/types.js';
import { apiServerEvent } from '../support/apiserver-source.js';
import { EngineHarness } from '../support/engine-harness.js';
import { expectedSynthesisPrompt, seedTasks } from '../e2e/seed.js';
import { phases, runToEnd, task } from './drive.js';

const SEED = ['research-api-design', 'research-data-model', 'synthesize-design'];

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const redisUp = (h: EngineHarness) => until(() => h.store.ping().then(() => true), 'Redis');

describe('Redis faults', () => {
  test('redis-server restarted mid-run with AOF on: nothing lost, the run finishes', async () => {
    const h = await EngineHarness.start({ appendonly: true });
    try {
      h.applyTasks(seedTasks());
      await h.drain();
      h.startJob('research-api-design');
      h.finishJob('research-api-design');
      await h.drain();
      const before = await Promise.all(SEED.map((n) => h.store.get('default', n)));
      assert.deepEqual(before.map((e) => e?.state), ['succeeded', 'launched', 'waiting']);

      await h.redisServer.restart();
      await redisUp(h);
      assert.deepEqual(await Promise.all(SEED.map((n) => h.store.get('default', n))), before, 'every entry survived the restart');

      await runToEnd(h);
      assert.deepEqual(phases(h, SEED), Object.fromEntries(SEED.map((n) => [n, 'Succeeded'])));
      const synthesis = seedTasks().find((t) => t.metadata.name === 'synthesize-design')!;
      const job = h.api.get('jobs', 'default', 'synthesize-design') as unknown as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };
      assert.deepEqual(job.spec.template.spec.containers[0]!.args, [
        expectedSynthesisPrompt(synthesis.spec.prompt, ['GET /projects - list projects', 'POST /projects/{id}/tasks - create a task'], 'Project(id, name) 1-n Task(id, project_id, title)'),
      ]);
    } finally {
      await h.close();
    }
  });

  test('Redis down: every function answers 503 and is not ready; once Redis is back the redelivered events succeed', async () => {
    const h = await EngineHarness.start({ appendonly: true });
    try {
      h.applyTasks([task('a'), task('b', { dependsOn: ['a'] })]);
      const events = h.dropSourceEvents();
      await h.redisServer.down();

      for (const event of events) {
        const delivery = await h.deliverTo('task-intake', event);
        assert.equal(delivery.status, 503, `${delivery.status} ${delivery.error}`);
        assert.match(String(delivery.error), /redis/i);
      }
      const ready = new CloudEvent({ type: TASK_READY, source: '/t', data: { namespace: 'default', name: 'a', uid: h.task('a').metadata.uid, prompt: 'p' } });
      assert.equal((await h.deliverTo('launcher', ready)).status, 503);
      for (const fn of ['task-intake', 'job-status', 'launcher', 'resync']) {
        assert.equal((await request(h.app(fn)).get('/readyz')).status, 503, `${fn} /readyz`);
      }
      const report = await h.resync();
      assert.match(String(report.aborted), /redis/i);
      const tick = await h.deliverTo('resync', new CloudEvent({ type: 'dev.knative.sources.ping', source: '/ping', data: {} }));
      assert.equal(tick.status, 503);
      // Nothing half-done reached the cluster.
      assert.deepEqual(phases(h, ['a', 'b']), { a: undefined, b: undefined });

      await h.redisServer.up();
      await redisUp(h);
      for (const fn of ['task-intake', 'launcher']) assert.equal((await request(h.app(fn)).get('/readyz')).status, 200);
      // The broker redelivers what failed.
      for (const event of events) assert.ok([200, 202].includes((await h.deliverTo('task-intake', event)).status));
      await runToEnd(h);
      assert.deepEqual(phases(h, ['a', 'b']), { a: 'Succeeded', b: 'Succeeded' });
      assert.deepEqual(h.jobNames(), ['a', 'b']);
    } finally {
      await h.close();
    }
  });
});

describe('API server faults', () => {
  let h: EngineHarness;
  let counter = 0;
  let ns: string;
  before(async () => {
    h = await EngineHarness.start({ requestTimeoutMs: 300 });
  });
  after(() => h.close());
  const fresh = () => {
    h.dropSourceEvents();
    h.dropQueued();
    ns = `api${++counter}`;
  };
  const addEvent = (name: string) => apiServerEvent(APISERVER_ADD, h.task(name, ns));

  test('409 Conflict on the status patch: read again and retried in the handler; when it persists, 503 and the redelivery succeeds', async () => {
    fresh();
    h.applyTasks([task('w', { dependsOn: ['missing'] })], ns);
    h.dropSourceEvents();
    const statusPath = `/namespaces/${ns}/tasks/w/status`;
    h.api.failNext({ method: 'PATCH', pathIncludes: statusPath }, { status: 409, reason: 'Conflict' }, 2);
    const first = await h.deliverTo('task-intake', addEvent('w'));
    assert.equal(first.status, 202);
    assert.equal(h.task('w', ns).status?.phase, 'Waiting');
    const patches = h.api.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith(statusPath));
    assert.equal(patches.length, 3, 'two conflicts, then the write');
    assert.ok(patches.every((p) => typeof (p.body as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion === 'string'), 'every status write is conditional');

    fresh();
    h.applyTasks([task('w2', { dependsOn: ['missing'] })], ns);
    h.dropSourceEvents();
    h.api.failNext({ method: 'PATCH', pathIncludes: `/namespaces/${ns}/tasks/w2/status` }, { status: 409, reason: 'Conflict' }, 5);
    const refused = await h.deliverTo('task-intake', addEvent('w2'));
    assert.equal(refused.status, 503);
    assert.match(String(refused.error), /conflict/);
    assert.equal((await h.deliverTo('task-intake', addEvent('w2'))).status, 202);
    assert.equal(h.task('w2', ns).status?.phase, 'Waiting');
  });

  test('429 with Retry-After: answered 429 with the same Retry-After; the redelivery launches once', async () => {
    fresh();
    h.applyTasks([task('r')], ns);
    const add = h.dropSourceEvents()[0]!;
    const registered = await h.deliverTo('task-intake', add);
    assert.equal(registered.status, 200);
    const readyEvent = h.dropQueued()[0]!;
    h.api.failNext({ method: 'GET', pathIncludes: `/namespaces/${ns}/tasks/r` }, { status: 429, retryAfter: 7 });
    const res = await request(h.app('launcher')).post('/').set(httpHeaders(readyEvent)).send(JSON.stringify(readyEvent.data));
    assert.equal(res.status, 429);
    assert.equal(res.headers['retry-after'], '7');
    assert.deepEqual(h.jobNames(ns), []);
    assert.equal((await h.deliverTo('launcher', readyEvent)).status, 202);
    assert.equal((await h.deliverTo('launcher', readyEvent)).status, 202);
    assert.deepEqual(h.jobNames(ns), ['r']);
  });

  test('500 and a reset connection are 503; retried, the work completes', async () => {
    fresh();
    h.applyTasks([task('f')], ns);
    const add = h.dropSourceEvents()[0]!;
    assert.equal((await h.deliverTo('task-intake', add)).status, 200);
    const readyEvent = h.dropQueued()[0]!;
    h.api.failNext({ method: 'POST', pathIncludes: `/namespaces/${ns}/jobs` }, { status: 500 });
    assert.equal((await h.deliverTo('launcher', readyEvent)).status, 503);
    h.api.failNext({ method: 'POST', pathIncludes: `/namespaces/${ns}/jobs` }, { status: 'reset' });
    assert.equal((await h.deliverTo('launcher', readyEvent)).status, 503);
    assert.equal((await h.deliverTo('launcher', readyEvent)).status, 202);
    assert.deepEqual(h.jobNames(ns), ['f']);
    await runToEnd(h, ns);
    assert.equal(h.task('f', ns).status?.phase, 'Succeeded');
  });

  test('a response slower than the client timeout is 503; the write had landed, and the retry finds it (one Job)', async () => {
    fresh();
    h.applyTasks([task('slow')], ns);
    const add = h.dropSourceEvents()[0]!;
    await h.deliverTo('task-intake', add);
    const readyEvent = h.dropQueued()[0]!;
    h.api.delayNext({ method: 'POST', pathIncludes: `/namespaces/${ns}/jobs` }, 800);
    const timedOut = await h.deliverTo('launcher', readyEvent);
    assert.equal(timedOut.status, 503);
    assert.match(String(timedOut.error), /no answer from the API server within 300 ms/);
    assert.equal((await h.deliverTo('launcher', readyEvent)).status, 202);
    assert.deepEqual(h.jobNames(ns), ['slow']);
    assert.equal((await h.store.get(ns, 'slow'))?.state, 'launched');
    const creates = h.api.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/namespaces/${ns}/jobs`));
    assert.equal(creates.length, 2, 'created once, found on the retry');
  });
});

/** Binary-mode headers of an event (for a raw request). */
function httpHeaders(event: CloudEvent<unknown>): Record<string, string> {
  return {
    'content-type': 'application/json',
    'ce-specversion': '1.0',
    'ce-id': event.id,
    'ce-source': event.source,
    'ce-type': event.type,
    ...(event.subject ? { 'ce-subject': event.subject } : {}),
  };
}

describe('a Task deleted and recreated under the same name (uids compared)', () => {
  test('the new Task never adopts the old Job, ignores its completion, and launches once the old Job is gone', async () => {
    const h = await EngineHarness.start();
    try {
      h.applyTasks([task('same', { prompt: 'first incarnation' })]);
      await h.drain();
      h.startJob('same');
      await h.drain();
      const oldUid = h.task('same').metadata.uid as string;
      const oldAdd = apiServerEvent(APISERVER_ADD, h.task('same'));
      // kubectl delete + apply: the Job stays until the garbage collector removes it.
      h.api.remove('tasks', 'default', 'same');
      h.applyTasks([task('same', { prompt: 'second incarnation' })]);
      const newUid = h.task('same').metadata.uid as string;
      assert.notEqual(newUid, oldUid);
      await h.drain();
      const refusals = h.deliveries.filter((d) => d.function === 'launcher' && d.status === 503);
      assert.ok(refusals.some((d) => /belongs to an earlier Task/.test(String(d.error))), 'the launch waits for the old Job to go');
      assert.equal(h.task('same').status?.phase, 'Pending');

      // The old Job finishes: its completion is the old Task's, not the new one's.
      h.finishJob('same');
      await h.drain();
      assert.equal(h.task('same').status?.phase, 'Pending');
      // A late event about the old Task changes nothing either.
      await h.deliverTo('task-intake', oldAdd);
      assert.equal((await h.store.get('default', 'same'))?.uid, newUid);

      // The garbage collector removes the old Job; the broker redelivers the ready event.
      h.api.remove('jobs', 'default', 'same');
      h.dropSourceEvents();
      const redelivered = refusals.at(-1)!.event;
      assert.equal((await h.deliverTo('launcher', redelivered)).status, 202);
      const job = h.api.get('jobs', 'default', 'same') as unknown as {
        metadata: { ownerReferences: Array<{ uid: string }> };
        spec: { template: { spec: { containers: Array<{ args: string[] }> } } };
      };
      assert.equal(job.metadata.ownerReferences[0]!.uid, newUid);
      assert.deepEqual(job.spec.template.spec.containers[0]!.args, ['second incarnation']);
      await runToEnd(h);
      assert.equal(h.task('same').status?.phase, 'Succeeded');
    } finally {
      await h.close();
    }
  });
});
