import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CloudEvent } from 'cloudevents';
import type { V1Job } from '@kubernetes/client-node';
import { NotFoundError } from '../../shared/errors.js';
import { buildJob, DEFAULT_JOB_CONFIG } from '../../shared/job/build.js';
import { createLocalCluster, type LocalCluster } from '../../shared/local/cluster.js';
import type { Task } from '../../shared/task/model.js';

const agents = fileURLToPath(new URL('../../../test/fixtures/agents/', import.meta.url));
const agent = (name: string, ...args: string[]) => () => [process.execPath, join(agents, `${name}.mjs`), ...args];

function setup(agentCommand: () => string[]): { cluster: LocalCluster; events: CloudEvent<unknown>[] } {
  const events: CloudEvent<unknown>[] = [];
  const cluster = createLocalCluster({
    publish: async (event) => void events.push(event),
    agent: agentCommand,
    baseEnv: { PATH: process.env.PATH ?? '', HOME: '/home/agent' },
    podRoot: mkdtempSync(join(tmpdir(), 'dendrite-pods-')),
    sourceDir: tmpdir(),
  });
  return { cluster, events };
}

const manifest = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'axon.io/v1alpha1',
  kind: 'Task',
  metadata: { name, labels: { team: 'a' } },
  spec: { type: 'claude-code', prompt: `do ${name}`, credentials: { type: 'api-key', secretRef: { name: 'keys' } }, ...spec },
  status: { phase: 'Succeeded' },
});

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const jobEvents = (events: CloudEvent<unknown>[]) => events.filter((e) => e.kind === 'Job');
const terminal = (events: CloudEvent<unknown>[]) =>
  jobEvents(events).find((e) => ((e.data as V1Job).status?.conditions ?? []).some((c) => c.status === 'True'));

function jobFor(cluster: LocalCluster, task: Task, prompt: string, overrides: Partial<Task['spec']> = {}): V1Job {
  return buildJob({ ...task, spec: { ...task.spec, ...overrides } }, prompt, DEFAULT_JOB_CONFIG);
}

test('applying a Task assigns what the API server would and publishes an ApiServerSource add event', async () => {
  const { cluster, events } = setup(agent('success'));
  const task = cluster.applyTask(manifest('alpha'));
  assert.equal(task.metadata.namespace, 'default');
  assert.match(task.metadata.uid, /^[0-9a-f-]{36}$/);
  assert.ok(task.metadata.creationTimestamp);
  assert.equal(task.status, undefined, 'status is a subresource: a manifest cannot set it');
  assert.equal(events.length, 1);
  const [added] = events as [CloudEvent<unknown>];
  assert.equal(added.type, 'dev.knative.apiserver.resource.add');
  assert.equal(added.subject, '/apis/axon.io/v1alpha1/namespaces/default/tasks/alpha');
  assert.deepEqual([added.kind, added.name, added.namespace, added.apiversion], ['Task', 'alpha', 'default', 'axon.io/v1alpha1']);
  assert.deepEqual(added.data, task);
  assert.throws(() => cluster.applyTask(manifest('alpha')), /given twice/);
});

test('status patches merge like a merge patch, publish an update, and a no-op publishes nothing', async () => {
  const { cluster, events } = setup(agent('success'));
  cluster.applyTask(manifest('alpha'));
  await cluster.patchTaskStatus('default', 'alpha', { phase: 'Running', results: { a: '1' }, outputs: ['x', 'y'] });
  await cluster.patchTaskStatus('default', 'alpha', { phase: 'Succeeded', results: { b: '2' }, outputs: ['z'] });
  const task = (await cluster.getTask('default', 'alpha'))!;
  assert.deepEqual(task.status, { phase: 'Succeeded', results: { a: '1', b: '2' }, outputs: ['z'] });
  assert.deepEqual(events.map((e) => e.type.split('.').pop()), ['add', 'update', 'update']);
  assert.deepEqual((events[2]!.data as Task).status, task.status, 'the event carries the whole object');
  await cluster.patchTaskStatus('default', 'alpha', { phase: 'Succeeded' });
  assert.equal(events.length, 3);
  await assert.rejects(cluster.patchTaskStatus('default', 'nope', { phase: 'Running' }), NotFoundError);
  assert.equal(await cluster.getTask('default', 'nope'), null);
});

test('a Job runs its agent with the prompt last and only PATH, HOME, the Job env and its own id; events follow the Job', async () => {
  const record = mkdtempSync(join(tmpdir(), 'dendrite-record-'));
  const { cluster, events } = setup(agent('outputs', record));
  cluster.applySecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keys' }, data: { ANTHROPIC_API_KEY: Buffer.from('sk-from-data').toString('base64') } });
  const task = cluster.applyTask(manifest('alpha', { model: 'opus' }));
  assert.equal(await cluster.createJob(jobFor(cluster, task, 'the prompt\nline two')), 'created');
  assert.equal(await cluster.createJob(jobFor(cluster, task, 'again')), 'exists');
  const done = await waitFor('the Job to finish', () => terminal(events));

  const seen = JSON.parse(readFileSync(join(record, readdirSync(record)[0]!), 'utf8')) as { argv: string[]; env: Record<string, string> };
  assert.equal(seen.argv.at(-1), 'the prompt\nline two');
  assert.deepEqual(Object.keys(seen.env).sort(), ['AXON_MODEL', 'ANTHROPIC_API_KEY', 'DENDRITE_AGENT_ID', 'HOME', 'PATH'].sort());
  assert.match(seen.env.DENDRITE_AGENT_ID!, /^[0-9a-f]{8}-\d+$/, 'the marker that finds what the agent leaves behind');
  assert.equal(seen.env.ANTHROPIC_API_KEY, 'sk-from-data');
  assert.equal(seen.env.AXON_MODEL, 'opus');
  assert.equal(seen.env.HOME, '/home/agent');

  const jobs = jobEvents(events);
  assert.deepEqual(jobs.map((e) => e.type.split('.').pop()), ['add', 'update', 'update']);
  assert.equal(jobs[0]!.subject, '/apis/batch/v1/namespaces/default/jobs/alpha');
  assert.equal(jobs[0]!.apiversion, 'batch/v1');
  const running = jobs[1]!.data as Record<string, any>;
  assert.equal(running.status.active, 1);
  assert.ok(running.status.startTime);
  assert.equal(running.metadata.labels['axon.io/task'], 'alpha');
  const finished = done.data as Record<string, any>;
  assert.deepEqual(finished.status.conditions.map((c: Record<string, string>) => [c.type, c.status]), [['Complete', 'True']]);
  assert.equal(finished.status.succeeded, 1);
  assert.ok(finished.status.completionTime);
  assert.equal(finished.status.active, undefined);

  const log = await cluster.readJobLog('default', 'alpha', 'claude-code', 1 << 20);
  assert.match(log.podName, /^alpha-[a-z0-9]{5}$/);
  assert.match(log.log, /---AXON_OUTPUTS_START---\necho: the prompt\n/);
  assert.equal((await cluster.readJobLog('default', 'alpha', '', 20)).log.length, 20, 'the tail is bounded');
  await assert.rejects(cluster.readJobLog('default', 'other', '', 10), NotFoundError);
  assert.equal(cluster.runningJobs(), 0);
});

test('stringData wins over data, and an agent that exits non-zero fails its Job with the exit code', async () => {
  const record = mkdtempSync(join(tmpdir(), 'dendrite-record-'));
  const { cluster, events } = setup(agent('failure', record));
  cluster.applySecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keys' }, data: { ANTHROPIC_API_KEY: 'eA==' }, stringData: { ANTHROPIC_API_KEY: 'plain' } });
  const task = cluster.applyTask(manifest('alpha'));
  await cluster.createJob(jobFor(cluster, task, 'p'));
  const done = await waitFor('the Job to fail', () => terminal(events));
  const condition = (done.data as Record<string, any>).status.conditions[0];
  assert.deepEqual([condition.type, condition.status, condition.reason], ['Failed', 'True', 'BackoffLimitExceeded']);
  assert.equal(condition.message, 'the agent exited with code 3');
  const seen = JSON.parse(readFileSync(join(record, readdirSync(record)[0]!), 'utf8')) as { env: Record<string, string> };
  assert.equal(seen.env.ANTHROPIC_API_KEY, 'plain');
  assert.match((await cluster.readJobLog('default', 'alpha', '', 1000)).log, /fatal: the scripted failure happened/);
});

test('a Job whose Secret is missing fails with a message naming it, without starting the agent', async () => {
  const { cluster, events } = setup(agent('success'));
  const task = cluster.applyTask(manifest('alpha'));
  await cluster.createJob(jobFor(cluster, task, 'p'));
  const done = await waitFor('the Job to fail', () => terminal(events));
  const condition = (done.data as Record<string, any>).status.conditions[0];
  assert.equal(condition.reason, 'CreateContainerConfigError');
  assert.match(condition.message, /secret "keys" not found/);
  assert.equal(jobEvents(events).length, 2, 'never active');
});

test('stopping Jobs ends each agent and everything it started', async () => {
  const record = mkdtempSync(join(tmpdir(), 'dendrite-record-'));
  const { cluster, events } = setup(agent('slow', record));
  cluster.applySecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keys' }, stringData: { ANTHROPIC_API_KEY: 'k' } });
  const task = cluster.applyTask(manifest('alpha'));
  await cluster.createJob(jobFor(cluster, task, 'p'));
  const file = await waitFor('the slow agent to start', () => readdirSync(record).find((f) => f.startsWith('slow-')));
  const { pid, child } = JSON.parse(readFileSync(join(record, file), 'utf8')) as { pid: number; child: number };
  assert.equal(cluster.runningJobs(), 1);
  await cluster.stopJobs(2000);
  const alive = (p: number) => {
    try {
      process.kill(p, 0);
      return true;
    } catch {
      return false;
    }
  };
  await waitFor('the agent and its child to be gone', () => !alive(pid) && !alive(child));
  await waitFor('the Job to fail', () => terminal(events));
  assert.equal(cluster.runningJobs(), 0);
});

test('activeDeadlineSeconds ends a Job that runs too long (DeadlineExceeded)', async () => {
  const { cluster, events } = setup(agent('slow'));
  cluster.applySecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keys' }, stringData: { ANTHROPIC_API_KEY: 'k' } });
  const task = cluster.applyTask(manifest('alpha'));
  await cluster.createJob(jobFor(cluster, task, 'p', { podOverrides: { activeDeadlineSeconds: 1 } }));
  const done = await waitFor('the deadline', () => terminal(events));
  assert.equal((done.data as Record<string, any>).status.conditions[0].reason, 'DeadlineExceeded');
});

const aliveProcess = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('what an agent leaves running in a session of its own is ended when it exits, and reported', async () => {
  const record = mkdtempSync(join(tmpdir(), 'dendrite-record-'));
  const { cluster, events } = setup(agent('session', record));
  cluster.applySecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keys' }, stringData: { ANTHROPIC_API_KEY: 'k' } });
  const task = cluster.applyTask(manifest('alpha'));
  await cluster.createJob(jobFor(cluster, task, 'agent: session-exit'));
  const done = await waitFor('the Job to finish', () => terminal(events));
  assert.equal((done.data as V1Job).status?.succeeded, 1, 'the agent itself exited 0');
  const file = readdirSync(record).find((f) => f.startsWith('session-'))!;
  const { child } = JSON.parse(readFileSync(join(record, file), 'utf8')) as { child: number };
  await waitFor('the session child to be gone', () => !aliveProcess(child));
  const [left] = cluster.leftovers();
  assert.equal(left?.name, 'alpha');
  assert.deepEqual(left?.processes.map((p) => p.pid), [child]);
  assert.match(left!.processes[0]!.command, /setInterval/);
});

test('stopping Jobs also ends what the agents moved to sessions of their own', async () => {
  const record = mkdtempSync(join(tmpdir(), 'dendrite-record-'));
  const { cluster } = setup(agent('session', record));
  cluster.applySecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keys' }, stringData: { ANTHROPIC_API_KEY: 'k' } });
  const task = cluster.applyTask(manifest('alpha'));
  await cluster.createJob(jobFor(cluster, task, 'p'));
  const file = await waitFor('the agent to start', () => readdirSync(record).find((f) => f.startsWith('session-')));
  const { pid, child } = JSON.parse(readFileSync(join(record, file), 'utf8')) as { pid: number; child: number };
  assert.ok(aliveProcess(child));
  await cluster.stopJobs(2000);
  await waitFor('the agent and its session child to be gone', () => !aliveProcess(pid) && !aliveProcess(child));
  assert.deepEqual(cluster.leftovers().flatMap((l) => l.processes.map((p) => p.pid)), [child]);
});

test('agents start from a spawner process of their own: the cluster process forks nothing per agent', async () => {
  const record = mkdtempSync(join(tmpdir(), 'dendrite-record-'));
  const { cluster, events } = setup(agent('outputs', record));
  cluster.applySecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keys' }, stringData: { ANTHROPIC_API_KEY: 'k' } });
  for (const name of ['a', 'b', 'c']) await cluster.createJob(jobFor(cluster, cluster.applyTask(manifest(name)), 'p'));
  await waitFor('three Jobs to finish', () => jobEvents(events).filter((e) => ((e.data as V1Job).status?.conditions ?? []).length > 0).length === 3);
  const parents = readdirSync(record).map((f) => (JSON.parse(readFileSync(join(record, f), 'utf8')) as { ppid: number }).ppid);
  assert.equal(parents.length, 3);
  assert.equal(new Set(parents).size, 1, 'one spawner started them all');
  assert.ok(!parents.includes(process.pid), 'not this process');
});
