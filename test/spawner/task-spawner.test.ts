/**
 * The task-spawner function over HTTP (supertest, real CloudEvents), talking through client-node
 * to the fake API server: cron ticks make one Task per due time, named and labelled as Axon's,
 * owned by the spawner, at most the catch-up bound; duplicates and two instances at once make
 * nothing twice; cloudEvent spawners filter, see `.Event`, and ignore redelivery; the calls made
 * are exactly the Role's.
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudEvent, HTTP } from 'cloudevents';
import pino from 'pino';
import request from 'supertest';
import { createApp, PING_EVENT } from '../../functions/task-spawner/app.js';
import { createKubernetesCluster } from '../../shared/cluster/kubernetes.js';
import { createKubernetesSpawners, TASK_SPAWNER_API_CALLS } from '../../shared/cluster/kubernetes-spawners.js';
import type { FlowDeps } from '../../shared/flow/deps.js';
import { createMemoryStore } from '../../shared/store/memory-store.js';
import { DEFAULT_RENDER_LIMITS, type PromptRenderer } from '../../shared/template/index.js';
import { requestAttributes, startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver.js';
import { isolatedRenderer } from '../support/renderer.js';

let api: FakeApiServer;
let renderer: PromptRenderer;
let clock = new Date('2026-12-07T09:30:00Z');

before(async () => {
  api = await startFakeApiServer();
  renderer = isolatedRenderer();
});
after(async () => {
  await renderer.close();
  await api.close();
});
beforeEach(() => {
  for (const kind of ['tasks', 'taskspawners'] as const) for (const o of api.list(kind)) api.remove(kind, String(o.metadata.namespace), String(o.metadata.name));
  api.clearRequests();
});

function app(maxCatchUp = 10) {
  const kc = api.kubeConfig();
  const deps = {
    store: createMemoryStore(),
    cluster: createKubernetesCluster(kc),
    emit: async () => {},
    log: pino({ level: 'silent' }),
    config: { source: '/dendrite/task-spawner', renderLimits: DEFAULT_RENDER_LIMITS, maxPromptBytes: 128 * 1024 },
    renderer,
    now: () => clock,
  } as FlowDeps;
  return createApp(deps, createKubernetesSpawners(kc), { namespaces: ['default'], maxCatchUp });
}

function post(target: ReturnType<typeof app>, event: CloudEvent<unknown>) {
  const message = HTTP.binary(event);
  return request(target).post('/').set(message.headers as Record<string, string>).send(message.body as string);
}

const tick = (id = `tick-${Math.random()}`) => new CloudEvent({ type: PING_EVENT, source: '/apis/v1/namespaces/default/pingsources/dendrite-resync', id, data: {} });

const template = { type: 'claude-code', credentials: { type: 'api-key', secretRef: { name: 'key' } }, workspaceRef: { name: 'repo' }, ttlSecondsAfterFinished: 3600 };

function cronSpawner(name: string, schedule: string, created: string, extra: Record<string, unknown> = {}) {
  return api.put('taskspawners', {
    apiVersion: 'axon.io/v1alpha1',
    kind: 'TaskSpawner',
    metadata: { name, namespace: 'default', creationTimestamp: created },
    spec: { when: { cron: { schedule } }, taskTemplate: { ...template, promptTemplate: 'Update dependencies ({{.Schedule}} at {{.Time}}, tick {{.ID}}).', ...extra } },
  });
}

const taskNames = () => api.list('tasks', 'default').map((t) => String(t.metadata.name)).sort();

test('cron: one Task per due tick, named <spawner>-<yyyymmdd-hhmm>, labelled and owned, its prompt rendered', async () => {
  clock = new Date('2026-12-07T09:30:00Z');
  const spawner = cronSpawner('weekly', '0 9 * * 1', '2026-11-20T00:00:00Z');
  const res = await post(app(), tick());
  assert.equal(res.status, 202, res.text);
  assert.deepEqual(taskNames(), ['weekly-20261123-0900', 'weekly-20261130-0900', 'weekly-20261207-0900']);
  const task = api.get('tasks', 'default', 'weekly-20261207-0900')!;
  assert.deepEqual(task.metadata.labels, { 'axon.io/taskspawner': 'weekly' });
  assert.deepEqual(task.metadata.ownerReferences, [{ apiVersion: 'axon.io/v1alpha1', kind: 'TaskSpawner', name: 'weekly', uid: spawner.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  const spec = task.spec as Record<string, unknown>;
  assert.equal(spec.prompt, 'Update dependencies (0 9 * * 1 at 2026-12-07T09:00:00.000Z, tick 20261207-0900).');
  assert.deepEqual({ ...spec, prompt: undefined }, { ...template, prompt: undefined });
  const status = api.get('taskspawners', 'default', 'weekly')!.status as Record<string, unknown>;
  assert.equal(status.phase, 'Running');
  assert.equal(status.totalTasksCreated, 3);
  assert.equal(status.lastDiscoveryTime, '2026-12-07T09:30:00.000Z');
});

test('cron: the same tick again, a tick before the next due time, and a redelivered one make nothing more', async () => {
  clock = new Date('2026-12-07T09:30:00Z');
  cronSpawner('weekly', '0 9 * * 1', '2026-12-01T00:00:00Z');
  const target = app();
  const first = tick('same');
  assert.equal((await post(target, first)).status, 202);
  assert.deepEqual(taskNames(), ['weekly-20261207-0900']);
  clock = new Date('2026-12-10T12:00:00Z');
  assert.equal((await post(target, first)).status, 202);
  assert.equal((await post(target, tick())).status, 202);
  assert.deepEqual(taskNames(), ['weekly-20261207-0900']);
  clock = new Date('2026-12-14T09:00:00Z');
  assert.equal((await post(target, tick())).status, 202);
  assert.deepEqual(taskNames(), ['weekly-20261207-0900', 'weekly-20261214-0900']);
  assert.equal((api.get('taskspawners', 'default', 'weekly')!.status as Record<string, unknown>).totalTasksCreated, 2);
});

test('cron: a spawner that missed many ticks catches up at most the bound (the newest), and says so', async () => {
  clock = new Date('2026-12-07T12:00:00Z');
  cronSpawner('hourly', '0 * * * *', '2026-12-01T00:00:00Z');
  assert.equal((await post(app(5), tick())).status, 202);
  assert.deepEqual(taskNames(), ['hourly-20261207-0800', 'hourly-20261207-0900', 'hourly-20261207-1000', 'hourly-20261207-1100', 'hourly-20261207-1200']);
  assert.match(String((api.get('taskspawners', 'default', 'hourly')!.status as Record<string, unknown>).message), /more than 5 ticks were due .* only the newest 5 made Tasks/);
});

test('cron: two instances ticked at once make each Task once, and both passes are counted', async () => {
  clock = new Date('2026-12-07T12:00:00Z');
  cronSpawner('hourly', '0 * * * *', '2026-12-07T04:30:00Z');
  const [a, b] = [app(), app()];
  // Both read the spawner before either records its pass: they race over the same ticks.
  api.delayNext({ method: 'GET', pathIncludes: '/taskspawners' }, 200, 2);
  const answers = await Promise.all([post(a, tick()), post(b, tick()), post(a, tick()), post(b, tick())]);
  assert.deepEqual(answers.map((r) => r.status), [202, 202, 202, 202]);
  assert.equal(taskNames().length, 8);
  assert.equal(api.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/tasks')).length, 16, 'both instances tried every tick (a second tick to a busy instance is skipped)');
  assert.equal((api.get('taskspawners', 'default', 'hourly')!.status as Record<string, unknown>).totalTasksCreated, 8, 'each created Task counted once');
});

test('cron: a schedule that cannot run fails the spawner with the reason; a template error makes no Task and is said', async () => {
  clock = new Date('2026-12-07T12:00:00Z');
  cronSpawner('broken', '0 9 * *', '2026-12-01T00:00:00Z');
  cronSpawner('bad-template', '0 9 * * *', '2026-12-06T00:00:00Z', { promptTemplate: '{{.Nope}}' });
  assert.equal((await post(app(), tick())).status, 202);
  assert.deepEqual(taskNames(), []);
  const broken = api.get('taskspawners', 'default', 'broken')!.status as Record<string, unknown>;
  assert.equal(broken.phase, 'Failed');
  assert.match(String(broken.message), /expected 5 fields/);
  const bad = api.get('taskspawners', 'default', 'bad-template')!.status as Record<string, unknown>;
  assert.match(String(bad.message), /bad-template-20261206-0900: promptTemplate: .*map has no entry for key "Nope"/);
});

function eventSpawner(name: string, when: Record<string, unknown>, promptTemplate: string) {
  return api.put('taskspawners', {
    apiVersion: 'axon.io/v1alpha1',
    kind: 'TaskSpawner',
    metadata: { name, namespace: 'default' },
    spec: { when: { cloudEvent: when }, taskTemplate: { ...template, promptTemplate } },
  });
}

const ciFailure = (id: string, extra: Record<string, unknown> = {}) =>
  new CloudEvent({ type: 'com.example.ci.failed', source: '/ci/main', subject: 'build/42', id, data: { job: 'unit', log: ['a', 'b'], attempt: 2 }, ...extra } as never);

test('cloudEvent: a matching event makes one Task with .Event in its prompt; filters hold; redelivery makes none more', async () => {
  eventSpawner('fix-ci', { type: 'com.example.ci.failed', source: '/ci/main', filter: { branch: 'main' } }, 'CI {{.Event.subject}} failed in {{.Event.data.job}} (attempt {{.Event.data.attempt}}): {{.Event.data.log}} on {{.Event.branch}}');
  eventSpawner('other', { type: 'com.example.alert' }, 'alert {{.Event.id}}');
  const target = app();
  assert.equal((await post(target, ciFailure('e1', { branch: 'main' }))).status, 202);
  assert.equal((await post(target, ciFailure('e1', { branch: 'main' }))).status, 202, 'redelivered');
  assert.equal((await post(target, ciFailure('e2', { branch: 'feature' }))).status, 202, 'filtered out by branch');
  assert.equal((await post(target, ciFailure('e3', { branch: 'main', source: '/ci/fork' }))).status, 202, 'filtered out by source');
  const names = taskNames();
  assert.equal(names.length, 1);
  assert.match(names[0]!, /^fix-ci-[0-9a-f]{10}$/);
  const task = api.get('tasks', 'default', names[0]!)!;
  assert.equal((task.spec as Record<string, unknown>).prompt, 'CI build/42 failed in unit (attempt 2): [a b] on main');
  assert.equal((task.metadata.labels as Record<string, string>)['axon.io/taskspawner'], 'fix-ci');
  // Another event (new id) is another Task; an event no spawner takes is accepted and does nothing.
  assert.equal((await post(target, ciFailure('e4', { branch: 'main' }))).status, 202);
  assert.equal((await post(target, new CloudEvent({ type: 'com.example.unrelated', source: '/x', id: '1', data: {} }))).status, 202);
  assert.equal(taskNames().length, 2);
});

test('the calls made are exactly the task-spawner Role\'s (TASK_SPAWNER_API_CALLS)', async () => {
  clock = new Date('2026-12-07T12:00:00Z');
  cronSpawner('hourly', '0 * * * *', '2026-12-07T10:30:00Z');
  eventSpawner('fix-ci', { type: 'com.example.ci.failed' }, 'x');
  // A conflict on the status write makes it read the spawner again.
  api.failNext({ method: 'PATCH', pathIncludes: '/taskspawners/hourly/status' }, { status: 409, reason: 'Conflict' });
  const target = app();
  assert.equal((await post(target, tick())).status, 202);
  assert.equal((await post(target, ciFailure('z'))).status, 202);
  const made = new Set(api.requests.map((r) => { const a = requestAttributes(r)!; return `${a.apiGroup}/${a.resource}:${a.verb}`; }));
  assert.deepEqual([...made].sort(), [...new Set(TASK_SPAWNER_API_CALLS.map((c) => `${c.apiGroup}/${c.resource}:${c.verb}`))].sort());
  assert.equal(taskNames().length, 3);
});
