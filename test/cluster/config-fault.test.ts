/**
 * A function without a usable cluster configuration: it must never drop a valid event with a
 * 400 (a fault of ours is retried: 503), and it must never look ready. The adapter is the real
 * client-node on a kubeconfig it refuses; the entry point is the built main.js.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { CloudEvent } from 'cloudevents';
import pino from 'pino';
import request from 'supertest';
import { createApp as createTaskIntakeApp } from '../../functions/task-intake/app.js';
import { checkKubeConfig, KubeConfigError } from '../../shared/cluster/kube-config.js';
import { createKubernetesCluster } from '../../shared/cluster/kubernetes.js';
import { toBinaryMessage } from '../../shared/events/to-http.js';
import { APISERVER_ADD } from '../../shared/events/types.js';
import { MAX_SINGLE_ARGUMENT_BYTES } from '../../shared/flow/deps.js';
import { createMemoryStore } from '../../shared/store/memory-store.js';
import { createInProcessRenderer, DEFAULT_RENDER_LIMITS } from '../../shared/template/index.js';
import { freePort } from '../support/ports.js';

function kubeConfig(server: string, skipTLSVerify?: boolean): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'plain', server, ...(skipTLSVerify ? { skipTLSVerify } : {}) }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'c', cluster: 'plain', user: 'u', namespace: 'default' }],
    currentContext: 'c',
  });
  return kc;
}

const task = {
  apiVersion: 'axon.io/v1alpha1',
  kind: 'Task',
  metadata: { name: 'build', namespace: 'default', uid: 'uid-1' },
  spec: { type: 'claude-code', prompt: 'p', credentials: { type: 'api-key', secretRef: { name: 'k' } } },
};

test('a client that refuses its configuration gets a valid Task a 503 (retried), never a 400 (dropped)', async () => {
  const app = createTaskIntakeApp({
    store: createMemoryStore(),
    cluster: createKubernetesCluster(kubeConfig('http://127.0.0.1:9')),
    emit: async () => {},
    renderer: createInProcessRenderer(),
    log: pino({ level: 'silent' }),
    config: { source: '/dendrite/task-intake', renderLimits: DEFAULT_RENDER_LIMITS, maxPromptBytes: MAX_SINGLE_ARGUMENT_BYTES },
    now: () => new Date(),
  });
  const message = toBinaryMessage(new CloudEvent({ type: APISERVER_ADD, source: 'https://api', subject: '/apis/axon.io/v1alpha1/namespaces/default/tasks/build', data: task, kind: 'Task' } as never));
  const res = await request(app).post('/').set(message.headers).send(message.body as string);
  assert.equal(res.status, 503, res.text);
  assert.match(res.body.error, /the Kubernetes client failed before the API server answered: HTTP protocol is not allowed/);
});

test('checkKubeConfig says what is wrong with a configuration that cannot reach a cluster', () => {
  const fallback = new KubeConfig();
  fallback.loadFromClusterAndUser({ name: 'cluster', server: 'http://localhost:8080' } as never, { name: 'user' } as never);
  assert.throws(() => checkKubeConfig(fallback), (err: unknown) => err instanceof KubeConfigError && /no Kubernetes configuration found/.test(err.message));
  assert.throws(() => checkKubeConfig(kubeConfig('http://10.0.0.1:8080')), /plain HTTP.*insecure-skip-tls-verify/);
  assert.doesNotThrow(() => checkKubeConfig(kubeConfig('https://10.0.0.1:6443')));
  assert.doesNotThrow(() => checkKubeConfig(kubeConfig('http://127.0.0.1:8001', true)));
});

function readyz(port: number): Promise<number> {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path: '/readyz', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', () => resolve(0));
  });
}

test('a function started with no cluster configuration never answers ready, and stops saying why', async () => {
  const script = fileURLToPath(new URL('../../functions/task-intake/main.js', import.meta.url));
  const port = await freePort();
  const home = mkdtempSync(join(tmpdir(), 'dendrite-nokube-'));
  // No KUBECONFIG, no ~/.kube/config, not in a cluster: client-node would fall back to http://localhost:8080.
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', HOME: home, PORT: String(port), REDIS_URL: 'redis://127.0.0.1:9', K_SINK: 'http://127.0.0.1:9/' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const answers = new Set<number>();
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    answers.add(await readyz(port));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.notEqual(await exited, 0);
  assert.ok(!answers.has(200), `readiness answered ${[...answers]}`);
  assert.match(output, /no Kubernetes configuration found: not in a cluster/);
});
