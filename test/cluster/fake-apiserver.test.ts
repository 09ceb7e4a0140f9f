/**
 * The fake API server itself, over plain HTTP: other tests trust it to answer like a real API
 * server, so its answers (codes, Status bodies, patch semantics, selectors, log options,
 * validation) are checked here without the client in between.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { requestAttributes, startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver.js';
import { applyJsonPatch, applyMergePatch, PatchError } from '../support/fake-apiserver/patch.js';
import { parseLabelSelector } from '../support/fake-apiserver/selector.js';

let server: FakeApiServer;
let counter = 0;

before(async () => {
  server = await startFakeApiServer();
});

after(async () => {
  await server.close();
});

function ns(): string {
  return `fake-${++counter}`;
}

async function call(method: string, path: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(server.url + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': contentType },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  const isJson = (res.headers.get('content-type') ?? '').includes('json');
  return { status: res.status, headers: res.headers, body: (isJson ? JSON.parse(text) : text) as Record<string, any> };
}

const tasksPath = (namespace: string) => `/apis/axon.io/v1alpha1/namespaces/${namespace}/tasks`;
const task = (name: string) => ({
  apiVersion: 'axon.io/v1alpha1',
  kind: 'Task',
  metadata: { name, labels: { team: 'a' } },
  spec: { type: 'codex', prompt: 'p' },
  status: { phase: 'Succeeded' },
});

test('create assigns identity, drops status, and a duplicate is 409 AlreadyExists', async () => {
  const namespace = ns();
  const created = await call('POST', tasksPath(namespace), task('a'));
  assert.equal(created.status, 201);
  assert.match(created.body.metadata.uid, /^[0-9a-f-]{36}$/);
  assert.match(created.body.metadata.resourceVersion, /^\d+$/);
  assert.match(created.body.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(created.body.metadata.namespace, namespace);
  assert.equal(created.body.status, undefined, 'status is the status subresource’s to set');

  const dup = await call('POST', tasksPath(namespace), task('a'));
  assert.equal(dup.status, 409);
  assert.deepEqual(dup.body, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'tasks.axon.io "a" already exists',
    reason: 'AlreadyExists',
    details: { name: 'a', group: 'axon.io', kind: 'tasks' },
    code: 409,
  });
});

test('get of a missing object is 404 NotFound; unknown paths are 404 too', async () => {
  const missing = await call('GET', `${tasksPath(ns())}/nope`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body.reason, 'NotFound');
  assert.equal(missing.body.message, 'tasks.axon.io "nope" not found');
  assert.equal((await call('GET', '/apis/example.com/v1/namespaces/x/widgets')).status, 404);
  assert.equal((await call('GET', '/healthz')).status, 404);
});

test('patch formats: merge patch, JSON patch, strategic (refused for a CR), unknown', async () => {
  const namespace = ns();
  await call('POST', tasksPath(namespace), task('p'));
  const path = `${tasksPath(namespace)}/p`;
  const merged = await call('PATCH', path, { spec: { model: 'm' } }, 'application/merge-patch+json');
  assert.equal(merged.status, 200);
  assert.deepEqual(merged.body.spec, { type: 'codex', prompt: 'p', model: 'm' });
  assert.equal(merged.body.metadata.generation, 2, 'a spec change bumps the generation');

  const patched = await call('PATCH', path, [{ op: 'replace', path: '/spec/prompt', value: 'q' }], 'application/json-patch+json');
  assert.equal(patched.body.spec.prompt, 'q');

  const failedTest = await call('PATCH', path, [{ op: 'test', path: '/spec/prompt', value: 'other' }], 'application/json-patch+json');
  assert.equal(failedTest.status, 422);

  assert.equal((await call('PATCH', path, { spec: {} }, 'application/strategic-merge-patch+json')).status, 415);
  assert.equal((await call('PATCH', path, { spec: {} }, 'application/json')).status, 415);
  assert.equal((await call('PATCH', path, '{not json', 'application/merge-patch+json')).status, 400);
});

test('status subresource: each side of the split keeps the other', async () => {
  const namespace = ns();
  await call('POST', tasksPath(namespace), task('s'));
  const path = `${tasksPath(namespace)}/s`;
  const viaStatus = await call('PATCH', `${path}/status`, { status: { phase: 'Running' }, spec: { prompt: 'hacked' } }, 'application/merge-patch+json');
  assert.deepEqual(viaStatus.body.status, { phase: 'Running' });
  assert.equal(viaStatus.body.spec.prompt, 'p');
  const viaMain = await call('PATCH', path, { status: { phase: 'Failed' }, spec: { prompt: 'new' } }, 'application/merge-patch+json');
  assert.deepEqual(viaMain.body.status, { phase: 'Running' });
  assert.equal(viaMain.body.spec.prompt, 'new');
});

test('update with a stale resourceVersion is 409 Conflict', async () => {
  const namespace = ns();
  const created = (await call('POST', tasksPath(namespace), task('c'))).body;
  const path = `${tasksPath(namespace)}/c`;
  const first = await call('PUT', path, { ...created, spec: { ...created.spec, prompt: 'v2' } });
  assert.equal(first.status, 200);
  const stale = await call('PUT', path, { ...created, spec: { ...created.spec, prompt: 'v3' } });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.reason, 'Conflict');
});

test('list: label selectors, field selector, pagination, items without apiVersion for built-ins', async () => {
  const namespace = ns();
  for (const [name, labels] of [
    ['p1', { 'job-name': 'a', tier: 'x' }],
    ['p2', { 'job-name': 'a', tier: 'y' }],
    ['p3', { 'job-name': 'b' }],
  ] as const) {
    server.put('pods', { metadata: { name, namespace, labels } });
  }
  const names = async (query: string) =>
    ((await call('GET', `/api/v1/namespaces/${namespace}/pods?${query}`)).body.items as Array<{ metadata: { name: string } }>).map((i) => i.metadata.name);
  assert.deepEqual(await names('labelSelector=job-name%3Da'), ['p1', 'p2']);
  assert.deepEqual(await names('labelSelector=job-name%3D%3Da,tier!%3Dx'), ['p2']);
  assert.deepEqual(await names('labelSelector=tier%20in%20(x,z)'), ['p1']);
  assert.deepEqual(await names('labelSelector=tier%20notin%20(x)'), ['p2', 'p3']);
  assert.deepEqual(await names('labelSelector=tier'), ['p1', 'p2']);
  assert.deepEqual(await names('labelSelector=!tier'), ['p3']);
  assert.deepEqual(await names('fieldSelector=metadata.name%3Dp3'), ['p3']);
  assert.equal((await call('GET', `/api/v1/namespaces/${namespace}/pods?labelSelector=a%20b%20c`)).status, 400);

  const page1 = (await call('GET', `/api/v1/namespaces/${namespace}/pods?limit=2`)).body;
  assert.equal(page1.kind, 'PodList');
  assert.equal(page1.items.length, 2);
  assert.equal(page1.items[0].apiVersion, undefined);
  assert.equal(page1.metadata.remainingItemCount, 1);
  const page2 = (await call('GET', `/api/v1/namespaces/${namespace}/pods?limit=2&continue=${page1.metadata.continue}`)).body;
  assert.deepEqual(page2.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['p3']);
  assert.equal(page2.metadata.continue, undefined);

  // Cluster-wide list of a custom resource keeps apiVersion/kind on items.
  await call('POST', tasksPath(namespace), task('t'));
  const all = (await call('GET', '/apis/axon.io/v1alpha1/tasks')).body;
  assert.ok(all.items.some((i: { kind: string }) => i.kind === 'Task'));
});

test('pod logs: tailLines first, then limitBytes from the start of that; container rules', async () => {
  const namespace = ns();
  server.put('pods', { metadata: { name: 'two', namespace }, spec: { containers: [{ name: 'agent' }, { name: 'sidecar' }] } });
  server.setPodLog(namespace, 'two', 'agent', 'l1\nl2\nl3\nl4\n');
  const log = async (query: string) => call('GET', `/api/v1/namespaces/${namespace}/pods/two/log?${query}`);
  assert.equal((await log('container=agent')).body, 'l1\nl2\nl3\nl4\n');
  assert.equal((await log('container=agent&tailLines=2')).body, 'l3\nl4\n');
  assert.equal((await log('container=agent&limitBytes=4')).body, 'l1\nl', 'limitBytes keeps the beginning');
  assert.equal((await log('container=agent&tailLines=3&limitBytes=4')).body, 'l2\nl');
  assert.equal((await log('container=agent&tailLines=0')).body, '');
  assert.equal((await log('container=sidecar')).body, '', 'a container with no output has an empty log');
  const ambiguous = await log('');
  assert.equal(ambiguous.status, 400);
  assert.match(ambiguous.body.message, /a container name must be specified for pod two, choose one of: \[agent sidecar\]/);
  assert.equal((await log('container=nope')).status, 400);
  assert.equal((await log('container=agent&limitBytes=0')).status, 422);
  assert.equal((await call('GET', `/api/v1/namespaces/${namespace}/pods/absent/log`)).status, 404);
});

test('faults: matched by method and path, counted, with Retry-After; delays; resets', async () => {
  const namespace = ns();
  await call('POST', tasksPath(namespace), task('f'));
  const path = `${tasksPath(namespace)}/f`;
  server.failNext({ method: 'GET', pathIncludes: '/tasks/f' }, { status: 429, retryAfter: 5 }, 2);
  assert.equal((await call('PATCH', path, {}, 'application/merge-patch+json')).status, 200, 'other methods are not matched');
  const throttled = await call('GET', path);
  assert.equal(throttled.status, 429);
  assert.equal(throttled.headers.get('retry-after'), '5');
  assert.equal(throttled.body.reason, 'TooManyRequests');
  assert.equal(throttled.body.details.retryAfterSeconds, 5);
  assert.equal((await call('GET', path)).status, 429);
  assert.equal((await call('GET', path)).status, 200, 'used up after `times`');

  server.failNext({ pathIncludes: '/tasks/f' }, { status: 500 });
  const failed = await call('GET', path);
  assert.equal(failed.body.reason, 'InternalError');

  server.failNext({ pathIncludes: '/tasks/f' }, { status: 'reset' });
  await assert.rejects(call('GET', path));

  server.delayNext({ method: 'DELETE', pathIncludes: '/tasks/f' }, 50);
  const deleted = await call('DELETE', path);
  assert.equal(deleted.status, 200);
  assert.equal(deleted.body.status, 'Success');
  assert.equal(server.get('tasks', namespace, 'f'), undefined);
});

test('requests are recorded with method, path, query, content type, parsed body and arrival time', async () => {
  server.clearRequests();
  const namespace = ns();
  const before = performance.now();
  await call('POST', `${tasksPath(namespace)}?fieldManager=me`, task('r'));
  const { at, ...request } = server.requests[0]!;
  assert.ok(at >= before && at <= performance.now(), 'when it arrived');
  assert.deepEqual([request], [
    {
      method: 'POST',
      path: tasksPath(namespace),
      query: { fieldManager: 'me' },
      contentType: 'application/json',
      body: task('r'),
    },
  ]);
});

test('Jobs are validated and defaulted like the batch API does', async () => {
  const namespace = ns();
  const job = (restartPolicy: string, image = 'img') => ({
    metadata: { name: 'j' },
    spec: { template: { spec: { restartPolicy, containers: [{ name: 'agent', image }] } } },
  });
  const bad = await call('POST', `/apis/batch/v1/namespaces/${namespace}/jobs`, job('Always'));
  assert.equal(bad.status, 422);
  assert.equal(bad.body.reason, 'Invalid');
  assert.match(bad.body.message, /^Job\.batch "j" is invalid: spec\.template\.spec\.restartPolicy/);
  assert.equal((await call('POST', `/apis/batch/v1/namespaces/${namespace}/jobs`, job('Never', ''))).status, 422);
  const ok = await call('POST', `/apis/batch/v1/namespaces/${namespace}/jobs`, job('Never'));
  assert.equal(ok.status, 201);
  assert.equal(ok.body.spec.template.metadata.labels['job-name'], 'j');
  const pod = server.addJobPod(namespace, 'j', { logs: { agent: 'hi\n' } });
  assert.equal((pod.metadata.labels as Record<string, string>)['job-name'], 'j');
  assert.equal((await call('GET', `/api/v1/namespaces/${namespace}/pods/${String(pod.metadata.name)}/log?container=agent`)).body, 'hi\n');
  const wrongNs = await call('POST', `/apis/batch/v1/namespaces/${namespace}/jobs`, { ...job('Never'), metadata: { name: 'k', namespace: 'elsewhere' } });
  assert.equal(wrongNs.status, 400);
});

test('core/v1 Events: eventTime needs microseconds and the "new event" fields', async () => {
  const namespace = ns();
  const path = `/api/v1/namespaces/${namespace}/events`;
  const base = {
    metadata: { name: 'e1' },
    involvedObject: { apiVersion: 'axon.io/v1alpha1', kind: 'Task', name: 't', namespace, uid: 'u' },
    reason: 'R',
    message: 'm',
    type: 'Normal',
  };
  assert.equal((await call('POST', path, base)).status, 201, 'an old-style event needs only a matching namespace');
  const micro = '2026-01-01T00:00:00.123000Z';
  assert.equal((await call('POST', path, { ...base, metadata: { name: 'e2' }, eventTime: '2026-01-01T00:00:00.123Z' })).status, 400);
  const missing = await call('POST', path, { ...base, metadata: { name: 'e3' }, eventTime: micro });
  assert.equal(missing.status, 422);
  assert.match(missing.body.message, /reportingComponent: Required value.*reportingInstance: Required value.*action: Required value/);
  const full = { ...base, metadata: { name: 'e4' }, eventTime: micro, reportingComponent: 'dendrite', reportingInstance: 'i', action: 'A' };
  assert.equal((await call('POST', path, full)).status, 201);
  const tooLong = { ...full, metadata: { name: 'e5' }, message: 'x'.repeat(1_025) };
  assert.equal((await call('POST', path, tooLong)).status, 422);
  const otherNs = { ...base, metadata: { name: 'e6' }, involvedObject: { ...base.involvedObject, namespace: 'other' } };
  assert.equal((await call('POST', path, otherNs)).status, 422);
});

test('requestAttributes resolves requests as RBAC sees them', () => {
  const cases: Array<[string, string, Record<string, string>, string, string, string]> = [
    ['GET', '/apis/axon.io/v1alpha1/namespaces/n/tasks/t', {}, 'axon.io', 'tasks', 'get'],
    ['GET', '/apis/axon.io/v1alpha1/namespaces/n/tasks', {}, 'axon.io', 'tasks', 'list'],
    ['GET', '/apis/axon.io/v1alpha1/tasks', { watch: 'true' }, 'axon.io', 'tasks', 'watch'],
    ['PATCH', '/apis/axon.io/v1alpha1/namespaces/n/tasks/t/status', {}, 'axon.io', 'tasks/status', 'patch'],
    ['PUT', '/apis/axon.io/v1alpha1/namespaces/n/tasks/t', {}, 'axon.io', 'tasks', 'update'],
    ['POST', '/apis/batch/v1/namespaces/n/jobs', {}, 'batch', 'jobs', 'create'],
    ['DELETE', '/apis/batch/v1/namespaces/n/jobs/j', {}, 'batch', 'jobs', 'delete'],
    ['DELETE', '/apis/batch/v1/namespaces/n/jobs', {}, 'batch', 'jobs', 'deletecollection'],
    ['GET', '/api/v1/namespaces/n/pods/p/log', { container: 'c' }, '', 'pods/log', 'get'],
    ['POST', '/api/v1/namespaces/n/events', {}, '', 'events', 'create'],
  ];
  for (const [method, path, query, apiGroup, resource, verb] of cases) {
    const attributes = requestAttributes({ method, path, query });
    assert.deepEqual(
      { apiGroup: attributes?.apiGroup, resource: attributes?.resource, verb: attributes?.verb },
      { apiGroup, resource, verb },
      `${method} ${path}`,
    );
  }
  assert.equal(requestAttributes({ method: 'GET', path: '/version', query: {} }), undefined);
});

test('merge patch (RFC 7386) and JSON patch (RFC 6902) semantics', () => {
  assert.deepEqual(applyMergePatch({ a: 1, b: { c: 2, d: 3 }, e: [1] }, { b: { c: null, x: 1 }, e: [2], f: 'n' }), {
    a: 1,
    b: { d: 3, x: 1 },
    e: [2],
    f: 'n',
  });
  const doc = { a: { 'b/c': 1, 'd~e': 2 }, list: [1, 2, 3] };
  assert.deepEqual(
    applyJsonPatch(doc, [
      { op: 'add', path: '/list/1', value: 9 },
      { op: 'add', path: '/list/-', value: 4 },
      { op: 'remove', path: '/a/b~1c' },
      { op: 'move', from: '/a/d~0e', path: '/moved' },
      { op: 'copy', from: '/moved', path: '/copied' },
      { op: 'test', path: '/list', value: [1, 9, 2, 3, 4] },
    ]),
    { a: {}, list: [1, 9, 2, 3, 4], moved: 2, copied: 2 },
  );
  assert.deepEqual(doc, { a: { 'b/c': 1, 'd~e': 2 }, list: [1, 2, 3] }, 'the input is not modified');
  for (const bad of [
    [{ op: 'remove', path: '/missing' }],
    [{ op: 'replace', path: '/list/7', value: 1 }],
    [{ op: 'test', path: '/list/0', value: 2 }],
    [{ op: 'frobnicate', path: '/a' }],
    { op: 'add' },
  ]) {
    assert.throws(() => applyJsonPatch(doc, bad), PatchError, JSON.stringify(bad));
  }
});

test('label selector parsing', () => {
  const labels = { app: 'web', tier: 'front' };
  const matches = (s: string) => parseLabelSelector(s)(labels);
  assert.equal(matches(''), true);
  assert.equal(matches('app=web'), true);
  assert.equal(matches('app=web,tier=back'), false);
  assert.equal(matches('app in (web, api),tier notin (back)'), true);
  assert.equal(matches('!missing,app'), true);
  assert.equal(matches('app!=web'), false);
  assert.throws(() => parseLabelSelector('app in web'));
});
