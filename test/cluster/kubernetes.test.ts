/**
 * The Kubernetes adapter through the real @kubernetes/client-node against the HTTP fake API
 * server: what goes over the wire (content types, bodies, query parameters) and how every kind
 * of failure comes back (NotFoundError / PermanentError / TransientError, with the cause).
 * One server for the file, one namespace per test; the last test checks that the requests
 * recorded across all of them are exactly the calls KUBERNETES_API_CALLS declares.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { createKubernetesCluster, KUBERNETES_API_CALLS } from '../../shared/cluster/kubernetes.js';
import { ConflictError, type Cluster } from '../../shared/cluster/cluster.js';
import { buildJob, DEFAULT_JOB_CONFIG } from '../../shared/job/build.js';
import { NotFoundError, PermanentError, TransientError } from '../../shared/errors.js';
import type { Task } from '../../shared/task/model.js';
import { requestAttributes, startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver.js';

let server: FakeApiServer;
let cluster: Cluster;
let namespaceCounter = 0;

before(async () => {
  server = await startFakeApiServer();
  cluster = createKubernetesCluster(server.kubeConfig(), { requestTimeoutMs: 5_000 });
});

after(async () => {
  await server.close();
});

/** A fresh namespace per test keeps the shared server's state apart. */
function ns(): string {
  return `ns-${++namespaceCounter}`;
}

function seedTask(namespace: string, name: string, extra: Partial<Task> = {}): Task {
  return server.put('tasks', {
    apiVersion: 'axon.io/v1alpha1',
    kind: 'Task',
    metadata: { name, namespace },
    spec: {
      type: 'claude-code',
      prompt: 'Say hi',
      credentials: { type: 'api-key', secretRef: { name: 'creds' } },
    },
    ...extra,
  }) as unknown as Task;
}

function requestsTo(pathPart: string) {
  return server.requests.filter((r) => r.path.includes(pathPart));
}

/** Asserts the error's class, and that it wraps what the client threw. */
async function rejectsWith(
  promise: Promise<unknown>,
  type: 'NotFound' | 'Permanent' | 'Transient',
  { wrapsCause = true } = {},
): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof Error);
    if (type === 'NotFound') assert.ok(err instanceof NotFoundError, `expected NotFoundError, got ${err.name}: ${err.message}`);
    if (type === 'Permanent') {
      assert.ok(err instanceof PermanentError && !(err instanceof NotFoundError), `expected PermanentError, got ${err.name}: ${err.message}`);
    }
    if (type === 'Transient') assert.ok(err instanceof TransientError, `expected TransientError, got ${err.name}: ${err.message}`);
    if (wrapsCause) assert.ok(err.cause !== undefined, 'the original error is kept as cause');
    return err;
  }
  assert.fail(`expected a ${type} error, but the call succeeded`);
}

test('getTask returns the Task, and null when there is none', async () => {
  const namespace = ns();
  const seeded = seedTask(namespace, 'research');
  const task = await cluster.getTask(namespace, 'research');
  assert.equal(task?.metadata.uid, seeded.metadata.uid);
  assert.equal(task?.spec.prompt, 'Say hi');
  assert.equal(await cluster.getTask(namespace, 'missing'), null);
});

test('getWorkspace and getAgentConfig return the object a Task names, and null when there is none', async () => {
  const namespace = ns();
  server.put('workspaces', { apiVersion: 'axon.io/v1alpha1', kind: 'Workspace', metadata: { name: 'ws', namespace }, spec: { repo: 'https://github.com/o/r.git', ref: 'main' } });
  server.put('agentconfigs', { apiVersion: 'axon.io/v1alpha1', kind: 'AgentConfig', metadata: { name: 'ac', namespace }, spec: { agentsMD: 'Be terse.' } });
  const workspace = await cluster.getWorkspace(namespace, 'ws');
  assert.deepEqual([workspace?.kind, workspace?.spec], ['Workspace', { repo: 'https://github.com/o/r.git', ref: 'main' }]);
  const agentConfig = await cluster.getAgentConfig(namespace, 'ac');
  assert.deepEqual([agentConfig?.kind, agentConfig?.spec], ['AgentConfig', { agentsMD: 'Be terse.' }]);
  assert.equal(await cluster.getWorkspace(namespace, 'missing'), null);
  assert.equal(await cluster.getAgentConfig(namespace, 'missing'), null);
  assert.ok(requestsTo(`/apis/axon.io/v1alpha1/namespaces/${namespace}/workspaces/ws`).length === 1);
  assert.ok(requestsTo(`/apis/axon.io/v1alpha1/namespaces/${namespace}/agentconfigs/ac`).length === 1);
});

test('patchTaskStatus sends a merge patch of the status subresource', async () => {
  const namespace = ns();
  seedTask(namespace, 'research');
  await cluster.patchTaskStatus(namespace, 'research', { phase: 'Running', jobName: 'research', startTime: '2026-01-01T00:00:00Z' });
  await cluster.patchTaskStatus(namespace, 'research', { phase: 'Succeeded', outputs: ['a', 'b'], results: { k: 'v' } });

  const patches = requestsTo(`/namespaces/${namespace}/tasks/research/status`);
  assert.equal(patches.length, 2);
  for (const p of patches) {
    assert.equal(p.method, 'PATCH');
    assert.equal(p.contentType, 'application/merge-patch+json');
  }
  assert.deepEqual(patches[1]?.body, { status: { phase: 'Succeeded', outputs: ['a', 'b'], results: { k: 'v' } } });

  const stored = server.get('tasks', namespace, 'research');
  // Merged, not replaced: fields of the first patch survive the second.
  assert.deepEqual(stored?.status, {
    phase: 'Succeeded',
    jobName: 'research',
    startTime: '2026-01-01T00:00:00Z',
    outputs: ['a', 'b'],
    results: { k: 'v' },
  });
  assert.equal((stored?.spec as { prompt: string }).prompt, 'Say hi', 'the spec is untouched');
});

test('patchTaskStatus on a missing Task is NotFoundError', async () => {
  const err = await rejectsWith(cluster.patchTaskStatus(ns(), 'gone', { phase: 'Running' }), 'NotFound');
  assert.match(err.message, /patch status of Task ns-\d+\/gone/);
});

test('createJob creates, and a second create of the same Job is "exists"', async () => {
  const namespace = ns();
  const task = seedTask(namespace, 'synthesize');
  const job = buildJob(task, 'Rendered', DEFAULT_JOB_CONFIG);
  assert.equal(await cluster.createJob(job), 'created');
  assert.equal(await cluster.createJob(job), 'exists');

  const posts = requestsTo(`/apis/batch/v1/namespaces/${namespace}/jobs`).filter((r) => r.method === 'POST');
  assert.equal(posts.length, 2);
  assert.equal(posts[0]?.contentType, 'application/json');
  const sent = posts[0]?.body as { metadata: { ownerReferences: unknown[] }; spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };
  assert.deepEqual(sent.spec.template.spec.containers[0]?.args, ['Rendered']);
  assert.equal(sent.metadata.ownerReferences.length, 1);

  const stored = server.get('jobs', namespace, 'synthesize');
  assert.equal((stored?.metadata.labels as Record<string, string>)['axon.io/task'], 'synthesize');

  const fetched = await cluster.getJob(namespace, 'synthesize');
  assert.equal(fetched?.metadata?.uid, stored?.metadata.uid);
  assert.equal(await cluster.getJob(namespace, 'nope'), null);
});

test('createJob: a Job the API server finds invalid is PermanentError naming the field', async () => {
  const namespace = ns();
  const job = buildJob(seedTask(namespace, 'bad'), 'p', DEFAULT_JOB_CONFIG);
  job.spec!.template.spec!.containers[0]!.image = '';
  const err = await rejectsWith(cluster.createJob(job), 'Permanent');
  assert.match(err.message, /create Job ns-\d+\/bad: rejected by the API server \(HTTP 422 Invalid: .*containers\[0\]\.image/);
});

test('createJob: 409 Conflict (not AlreadyExists) is a ConflictError (retried), not "exists"', async () => {
  const namespace = ns();
  const job = buildJob(seedTask(namespace, 'racy'), 'p', DEFAULT_JOB_CONFIG);
  server.failNext({ method: 'POST', pathIncludes: `/namespaces/${namespace}/jobs` }, { status: 409, reason: 'Conflict' });
  const err = await rejectsWith(cluster.createJob(job), 'Transient');
  assert.ok(err instanceof ConflictError);
});

test('patchTaskStatus with a resourceVersion is conditional: a stale one is ConflictError and writes nothing', async () => {
  const namespace = ns();
  const task = seedTask(namespace, 'cas');
  const version = String(task.metadata.resourceVersion);
  await cluster.patchTaskStatus(namespace, 'cas', { phase: 'Pending' }, { resourceVersion: version });
  const patch = requestsTo(`/namespaces/${namespace}/tasks/cas/status`).at(-1);
  assert.deepEqual(patch?.body, { metadata: { resourceVersion: version }, status: { phase: 'Pending' } });
  const err = await rejectsWith(cluster.patchTaskStatus(namespace, 'cas', { phase: 'Waiting' }, { resourceVersion: version }), 'Transient');
  assert.ok(err instanceof ConflictError);
  assert.equal((await cluster.getTask(namespace, 'cas'))?.status?.phase, 'Pending');
});

test('listTaskPage and listJobPage walk every page, per namespace or across all, Jobs by the axon.io/task label', async () => {
  const namespace = ns();
  for (const name of ['t1', 't2', 't3']) seedTask(namespace, name);
  const names: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await cluster.listTaskPage({ namespace, limit: 2, continueToken: token });
    names.push(...page.items.map((t) => t.metadata.name));
    token = page.continueToken;
    pages++;
  } while (token);
  assert.deepEqual(names, ['t1', 't2', 't3']);
  assert.equal(pages, 2);
  const listCall = requestsTo(`/namespaces/${namespace}/tasks`).find((r) => r.method === 'GET' && r.query.limit === '2');
  assert.ok(listCall, 'the limit is sent');
  const everywhere = await cluster.listTaskPage();
  assert.ok(everywhere.items.some((t) => t.metadata.namespace === namespace && t.metadata.name === 't3'));

  await cluster.createJob(buildJob(seedTask(namespace, 'j1'), 'p', DEFAULT_JOB_CONFIG));
  server.put('jobs', { metadata: { name: 'not-ours', namespace }, spec: { template: { spec: { containers: [] } } } });
  const jobs = await cluster.listJobPage({ namespace });
  assert.deepEqual(jobs.items.map((j) => j.metadata?.name), ['j1']);
  assert.equal(jobs.continueToken, undefined);
  const allJobs = await cluster.listJobPage({ limit: 1 });
  assert.equal(allJobs.items.length, 1);
  const jobLists = server.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/jobs'));
  assert.ok(jobLists.length >= 2 && jobLists.every((r) => r.query.labelSelector === 'axon.io/task'));
});

test('createJob after a timed-out create that did land answers "exists"', async () => {
  const namespace = ns();
  const job = buildJob(seedTask(namespace, 'slow'), 'p', DEFAULT_JOB_CONFIG);
  const impatient = createKubernetesCluster(server.kubeConfig(), { requestTimeoutMs: 100 });
  // The server creates the Job but answers too late; the retry finds it.
  server.delayNext({ method: 'POST', pathIncludes: `/namespaces/${namespace}/jobs` }, 400);
  await rejectsWith(impatient.createJob(job), 'Transient');
  assert.ok(server.get('jobs', namespace, 'slow'), 'the first create landed');
  assert.equal(await impatient.createJob(job), 'exists');
});

test('readJobLog reads the named container of the newest pod, with tailLines and limitBytes', async () => {
  const namespace = ns();
  const job = buildJob(seedTask(namespace, 'research'), 'p', DEFAULT_JOB_CONFIG);
  assert.equal(await cluster.createJob(job), 'created');
  server.addJobPod(namespace, 'research', {
    podName: 'research-old',
    creationTimestamp: '2026-01-01T00:00:00Z',
    logs: { 'claude-code': 'first attempt\n' },
  });
  server.addJobPod(namespace, 'research', {
    podName: 'research-new',
    creationTimestamp: '2026-01-01T00:05:00Z',
    logs: { 'claude-code': 'working\n---AXON_OUTPUTS_START---\nbranch: main\n---AXON_OUTPUTS_END---\n' },
  });
  // Another Job's pod in the same namespace must not be picked.
  server.put('pods', {
    metadata: { name: 'other-pod', namespace, labels: { 'job-name': 'other' }, creationTimestamp: '2026-01-02T00:00:00Z' },
    spec: { containers: [{ name: 'claude-code', image: 'x' }] },
  });
  server.setPodLog(namespace, 'other-pod', 'claude-code', 'wrong pod\n');

  const result = await cluster.readJobLog(namespace, 'research', 'claude-code', 64 * 1024);
  assert.deepEqual(result, {
    podName: 'research-new',
    log: 'working\n---AXON_OUTPUTS_START---\nbranch: main\n---AXON_OUTPUTS_END---\n',
  });

  const list = requestsTo(`/api/v1/namespaces/${namespace}/pods`).find((r) => r.path.endsWith('/pods'));
  assert.equal(list?.query.labelSelector, 'job-name=research');
  const logReads = requestsTo(`/api/v1/namespaces/${namespace}/pods/research-new/log`);
  assert.equal(logReads.length, 1, 'a log shorter than the budget takes one request');
  assert.equal(logReads[0]?.query.container, 'claude-code');
  assert.equal(logReads[0]?.query.limitBytes, String(64 * 1024));
  assert.ok(logReads[0]?.query.tailLines !== undefined);
});

test('readJobLog returns the end of a long log, where the outputs block is, within the byte budget', async () => {
  const namespace = ns();
  const job = buildJob(seedTask(namespace, 'chatty'), 'p', DEFAULT_JOB_CONFIG);
  await cluster.createJob(job);
  const lines = Array.from({ length: 5_000 }, (_, i) => `progress line ${i} ${'x'.repeat(i % 90)}`);
  const log = `${lines.join('\n')}\n---AXON_OUTPUTS_START---\nresult: 42\n---AXON_OUTPUTS_END---\n`;
  server.addJobPod(namespace, 'chatty', { podName: 'chatty-1', logs: { 'claude-code': log } });

  const tailBytes = 4096;
  const { log: tail } = await cluster.readJobLog(namespace, 'chatty', 'claude-code', tailBytes);
  assert.ok(log.endsWith(tail), 'a suffix of the log');
  assert.ok(Buffer.byteLength(tail) < tailBytes, 'within the budget');
  assert.ok(Buffer.byteLength(tail) > tailBytes / 2, `not needlessly short (${Buffer.byteLength(tail)} bytes)`);
  assert.equal(log[log.length - tail.length - 1], '\n', 'starts at a line boundary');
  assert.ok(tail.endsWith('---AXON_OUTPUTS_START---\nresult: 42\n---AXON_OUTPUTS_END---\n'));

  const reads = requestsTo(`/pods/chatty-1/log`);
  for (const r of reads) assert.equal(r.query.limitBytes, String(tailBytes), 'no request asks for more than the budget');
  assert.ok(reads.length <= 4, `few requests (${reads.length})`);
});

test('readJobLog: no pod is NotFoundError; an unknown container is PermanentError', async () => {
  const namespace = ns();
  await cluster.createJob(buildJob(seedTask(namespace, 'pending'), 'p', DEFAULT_JOB_CONFIG));
  // Nothing failed underneath (the list simply came back empty), so there is no cause to wrap.
  const err = await rejectsWith(cluster.readJobLog(namespace, 'pending', 'claude-code', 1024), 'NotFound', { wrapsCause: false });
  assert.match(err.message, /has no pod/);
  server.addJobPod(namespace, 'pending', { podName: 'pending-1', logs: { 'claude-code': 'x\n' } });
  await rejectsWith(cluster.readJobLog(namespace, 'pending', 'codex', 1024), 'Permanent');
});

test('recordTaskEvent creates a core/v1 Event on the Task that the API server accepts', async () => {
  const namespace = ns();
  const task = seedTask(namespace, 'research');
  const ref = { namespace, name: 'research', uid: task.metadata.uid };
  await cluster.recordTaskEvent(ref, { type: 'Warning', reason: 'TemplateFailed', message: 'missing key "schema"' });

  const post = requestsTo(`/api/v1/namespaces/${namespace}/events`).find((r) => r.method === 'POST');
  assert.ok(post);
  const body = post.body as Record<string, unknown> & { metadata: { name: string; namespace: string } };
  assert.match(body.metadata.name, /^research\.[0-9a-f]{16}$/);
  assert.equal(body.metadata.namespace, namespace);
  assert.deepEqual(body.involvedObject, { apiVersion: 'axon.io/v1alpha1', kind: 'Task', name: 'research', namespace, uid: task.metadata.uid });
  assert.equal(body.type, 'Warning');
  assert.equal(body.reason, 'TemplateFailed');
  assert.equal(body.message, 'missing key "schema"');
  assert.deepEqual(body.source, { component: 'dendrite' });
  assert.equal(body.reportingComponent, 'dendrite');
  assert.equal(typeof body.reportingInstance, 'string');
  assert.equal(typeof body.action, 'string');
  // metav1.MicroTime: exactly six fractional digits, or the API server cannot decode it.
  assert.match(String(body.eventTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.match(String(body.firstTimestamp), /^\d{4}-\d\d-\d\dT/);
  assert.equal(body.firstTimestamp, body.lastTimestamp);

  const stored = server.get('events', namespace, body.metadata.name);
  assert.ok(stored, 'the fake API server stored it (it validates like the real one)');
});

test('recordTaskEvent keeps an over-long message within the API limit', async () => {
  const namespace = ns();
  const task = seedTask(namespace, 'verbose');
  await cluster.recordTaskEvent(
    { namespace, name: 'verbose', uid: task.metadata.uid },
    { type: 'Normal', reason: 'TaskCreated', message: 'é'.repeat(2_000) },
  );
  const events = server.list('events', namespace);
  assert.equal(events.length, 1);
  const message = String(events[0]?.message);
  assert.ok(Buffer.byteLength(message) <= 1024);
  assert.ok(message.startsWith('éé'));
});

const httpFaults: Array<{ status: number; kind: 'NotFound' | 'Permanent' | 'Transient'; reason?: string }> = [
  { status: 400, kind: 'Permanent' },
  { status: 403, kind: 'Permanent' },
  { status: 404, kind: 'NotFound' },
  { status: 409, kind: 'Transient' },
  { status: 422, kind: 'Permanent' },
  { status: 429, kind: 'Transient' },
  { status: 500, kind: 'Transient' },
  { status: 503, kind: 'Transient' },
  { status: 504, kind: 'Transient' },
];

for (const { status, kind } of httpFaults) {
  test(`HTTP ${status} from the API server on a status patch is ${kind}`, async () => {
    const namespace = ns();
    seedTask(namespace, 't');
    server.failNext({ method: 'PATCH', pathIncludes: `/namespaces/${namespace}/tasks/t/status` }, { status, message: `injected\n${status}` });
    const err = await rejectsWith(cluster.patchTaskStatus(namespace, 't', { phase: 'Running' }), kind);
    assert.match(err.message, new RegExp(`^patch status of Task ${namespace}/t: .*HTTP ${status}`));
    // Our words plus the Status reason and a cleaned message — never the raw body.
    assert.doesNotMatch(err.message, /"kind"|\{|\n/);
    assert.equal((err.cause as { code?: number }).code, status);
  });
}

test('deleteTask deletes only the incarnation named by its uid, and its Job goes with it', async () => {
  const namespace = ns();
  const task = seedTask(namespace, 't');
  await cluster.createJob(buildJob(task, 'p', DEFAULT_JOB_CONFIG));
  assert.equal(await cluster.deleteTask(namespace, 't', 'another-uid'), 'gone', 'a different uid: the precondition fails');
  assert.ok(server.get('tasks', namespace, 't'), 'kept');
  assert.equal(await cluster.deleteTask(namespace, 't', task.metadata.uid!), 'deleted');
  assert.equal(server.get('tasks', namespace, 't'), undefined);
  assert.equal(server.get('jobs', namespace, 't'), undefined, 'owned by the Task: collected with it');
  assert.equal(await cluster.deleteTask(namespace, 't', task.metadata.uid!), 'gone', 'a second delete is harmless');
  server.failNext({ method: 'DELETE' }, { status: 503 });
  await rejectsWith(cluster.deleteTask(namespace, 't', task.metadata.uid!), 'Transient');
});

test('429 carries Retry-After as retryAfterSeconds', async () => {
  const namespace = ns();
  seedTask(namespace, 't');
  server.failNext({ pathIncludes: `/namespaces/${namespace}/tasks/t` }, { status: 429, retryAfter: 7 });
  const err = (await rejectsWith(cluster.getTask(namespace, 't'), 'Transient')) as TransientError;
  assert.equal(err.retryAfterSeconds, 7);
  assert.match(err.message, /throttling/);
});

test('every operation classifies: 500 on each is TransientError', async () => {
  const namespace = ns();
  const task = seedTask(namespace, 't');
  const job = buildJob(task, 'p', DEFAULT_JOB_CONFIG);
  const calls: Array<() => Promise<unknown>> = [
    () => cluster.getTask(namespace, 't'),
    () => cluster.patchTaskStatus(namespace, 't', { phase: 'Running' }),
    () => cluster.createJob(job),
    () => cluster.getJob(namespace, 't'),
    () => cluster.getWorkspace(namespace, 'ws'),
    () => cluster.getAgentConfig(namespace, 'ac'),
    () => cluster.readJobLog(namespace, 't', 'claude-code', 100),
    () => cluster.recordTaskEvent({ namespace, name: 't', uid: task.metadata.uid }, { type: 'Normal', reason: 'X', message: 'y' }),
  ];
  for (const call of calls) {
    server.failNext({ pathIncludes: `/namespaces/${namespace}/` }, { status: 500 });
    await rejectsWith(call(), 'Transient');
  }
});

test('a pod log read failing half-way (after the pod list) is classified too', async () => {
  const namespace = ns();
  await cluster.createJob(buildJob(seedTask(namespace, 'j'), 'p', DEFAULT_JOB_CONFIG));
  server.addJobPod(namespace, 'j', { podName: 'j-1', logs: { 'claude-code': 'x\n' } });
  server.failNext({ pathIncludes: '/pods/j-1/log' }, { status: 429, retryAfter: 3 });
  const err = (await rejectsWith(cluster.readJobLog(namespace, 'j', 'claude-code', 100), 'Transient')) as TransientError;
  assert.equal(err.retryAfterSeconds, 3);
});

test('a request slower than requestTimeoutMs is TransientError', async () => {
  const namespace = ns();
  seedTask(namespace, 't');
  const impatient = createKubernetesCluster(server.kubeConfig(), { requestTimeoutMs: 100 });
  server.delayNext({ pathIncludes: `/namespaces/${namespace}/tasks/t` }, 1_000);
  const err = await rejectsWith(impatient.getTask(namespace, 't'), 'Transient');
  assert.match(err.message, /no answer from the API server within 100 ms/);
  assert.equal((err.cause as Error).name, 'AbortError');
});

test('a connection reset is TransientError', async () => {
  const namespace = ns();
  seedTask(namespace, 't');
  server.failNext({ pathIncludes: `/namespaces/${namespace}/tasks/t` }, { status: 'reset' });
  await rejectsWith(cluster.patchTaskStatus(namespace, 't', { phase: 'Running' }), 'Transient');
});

test('connection refused is TransientError', async () => {
  // A port that was just free: listen, note it, close.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'down', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'c', cluster: 'down', user: 'u' }],
    currentContext: 'c',
  });
  const down = createKubernetesCluster(kc, { requestTimeoutMs: 2_000 });
  const err = await rejectsWith(down.getTask('default', 'x'), 'Transient');
  assert.match(err.message, /unreachable \(ECONNREFUSED\)/);
});

// Keep last: it checks the traffic of every test above.
test('KUBERNETES_API_CALLS lists exactly the calls the adapter made in these tests', () => {
  const key = (c: { apiGroup: string; resource: string; verb: string }) => `${c.apiGroup}|${c.resource}|${c.verb}`;
  const declared = new Set(KUBERNETES_API_CALLS.map(key));
  const seen = new Set<string>();
  for (const r of server.requests) {
    const attributes = requestAttributes(r);
    assert.ok(attributes, `${r.method} ${r.path} is an API request`);
    const k = key(attributes);
    assert.ok(declared.has(k), `${r.method} ${r.path} (${k}) is not in KUBERNETES_API_CALLS`);
    seen.add(k);
  }
  for (const k of declared) assert.ok(seen.has(k), `${k} is declared but no test made that call`);
  assert.equal(declared.size, KUBERNETES_API_CALLS.length, 'no duplicates');
});
