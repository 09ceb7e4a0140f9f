/**
 * A local pod stuck in its clone (a server that accepts and never answers) is still stopped:
 * by Ctrl-C (stopJobs) at once, and by the Job's activeDeadlineSeconds — git is ended with it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudEvent } from 'cloudevents';
import type { V1Job } from '@kubernetes/client-node';
import { buildJob, DEFAULT_JOB_CONFIG } from '../../shared/job/build.js';
import type { Workspace } from '../../shared/job/workspace.js';
import { createLocalCluster } from '../../shared/local/cluster.js';
import type { Task } from '../../shared/task/model.js';

let server: Server;
let port: number;
const sockets = new Set<Socket>();

before(async () => {
  server = createServer((socket) => {
    socket.resume(); // read what git asks, so its end is seen
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
after(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
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

function stuckClone(name: string, deadline?: number) {
  const events: CloudEvent<unknown>[] = [];
  const cluster = createLocalCluster({
    publish: async (event) => void events.push(event),
    agent: () => [process.execPath, '-e', ''],
    baseEnv: { PATH: process.env.PATH ?? '', HOME: tmpdir() },
    podRoot: mkdtempSync(join(tmpdir(), 'dendrite-pods-')),
    sourceDir: tmpdir(),
  });
  cluster.applySecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keys' }, stringData: { ANTHROPIC_API_KEY: 'k' } });
  const workspace = cluster.applyWorkspace({ apiVersion: 'axon.io/v1alpha1', kind: 'Workspace', metadata: { name: 'stuck' }, spec: { repo: `git://127.0.0.1:${port}/never.git` } }) as Workspace;
  const task = cluster.applyTask({
    apiVersion: 'axon.io/v1alpha1',
    kind: 'Task',
    metadata: { name },
    spec: { type: 'claude-code', prompt: 'p', credentials: { type: 'api-key', secretRef: { name: 'keys' } }, workspaceRef: { name: 'stuck' }, ...(deadline ? { podOverrides: { activeDeadlineSeconds: deadline } } : {}) },
  }) as Task;
  const condition = () =>
    events.filter((e) => e.kind === 'Job').map((e) => (e.data as V1Job).status?.conditions?.find((c) => c.status === 'True')).find(Boolean);
  return { cluster, job: buildJob(task, 'p', DEFAULT_JOB_CONFIG, { workspace }), condition, events };
}

test('Ctrl-C (stopJobs) ends a pod whose clone hangs, and the git that was cloning', async () => {
  const { cluster, job, condition, events } = stuckClone('stopped');
  await cluster.createJob(job);
  await waitFor('the clone to connect', () => sockets.size > 0);
  assert.ok(events.some((e) => e.kind === 'Job' && (e.data as V1Job).status?.active === 1), 'the pod is active while its init containers run');
  const started = Date.now();
  await cluster.stopJobs(1000);
  const failed = await waitFor('the Job to fail', condition);
  assert.ok(Date.now() - started < 5000);
  assert.deepEqual([failed.type, failed.reason, failed.message], ['Failed', 'BackoffLimitExceeded', 'the pod was stopped while its init containers ran']);
  await waitFor('git to let go of its connection', () => sockets.size === 0);
  assert.equal(cluster.runningJobs(), 0);
});

test('activeDeadlineSeconds bounds a clone that hangs (DeadlineExceeded)', async () => {
  const { cluster, job, condition } = stuckClone('deadline', 1);
  await cluster.createJob(job);
  const failed = await waitFor('the deadline', condition, 15_000);
  assert.deepEqual([failed.type, failed.reason], ['Failed', 'DeadlineExceeded']);
  await waitFor('git to let go of its connection', () => sockets.size === 0);
});
