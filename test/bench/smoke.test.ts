/**
 * The benchmarks at tiny sizes, so that they keep working: each produces its figures (finite,
 * positive). No timing is asserted — only what does not depend on the machine: every Task of
 * the DAG succeeds, the load runs get no errors, a completion event costs at most two Redis
 * round trips. Also: the bundled entry points (npm run bundle) serve a real event, and every
 * function's entry point names itself as its app does.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HTTP } from 'cloudevents';
import { runBareServer } from '../../bench/bare-server.js';
import { runColdStart, startOnce } from '../../bench/cold-start.js';
import { runDag } from '../../bench/dag.js';
import { runDashboardBench } from '../../bench/dashboard.js';
import { runFanIn } from '../../bench/fan-in.js';
import { runHandOff } from '../../bench/hand-off.js';
import { runLocalFanIn } from '../../bench/local-fan-in.js';
import { runRoundTrips } from '../../bench/round-trips.js';
import { runRedisShapes } from '../../bench/redis-shapes.js';
import { runRenderIsolation } from '../../bench/render-isolation.js';
import { Redis } from 'ioredis';
import { APISERVER_UPDATE } from '../../shared/events/types.js';
import { buildJob, DEFAULT_JOB_CONFIG } from '../../shared/job/build.js';
import { createRedisStore } from '../../shared/store/redis-store.js';
import type { Task } from '../../shared/task/model.js';
import { apiServerEvent } from '../support/apiserver-source.js';
import { startFakeApiServer, type FakeApiServer, type StoredObject } from '../support/fake-apiserver.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const DIST = new URL('../../', import.meta.url);

function positive(value: number, what: string): void {
  assert.ok(Number.isFinite(value) && value > 0, `${what} should be a positive number, got ${value}`);
}

describe('benchmarks at smoke size', () => {
  test('fan-in produces per-event and last→ready times for every width', async () => {
    const result = await runFanIn({ widths: [1, 4], reps: () => 2 });
    assert.deepEqual(result.rows.map((r) => r.width), [1, 4]);
    assert.deepEqual(result.rows.map((r) => r.events), [2, 8]);
    for (const row of result.rows) {
      positive(row.perEventMeanMs, 'per-event time');
      positive(row.perEventP99Ms, 'per-event p99');
      positive(row.lastToReadyMs, 'last → ready');
    }
    positive(result.lastToReadyRatio, 'ratio');
  });

  test('Redis Cluster against one Redis: per-event figures on each and their ratio, and several namespaces at once', async () => {
    const result = await runRedisShapes({
      dag: { tasks: 30, layerWidth: 10, maxFanIn: 3, concurrency: 4, seed: 1 },
      rounds: 1,
      namespaces: 2,
      parallelDag: { tasks: 20, layerWidth: 10, maxFanIn: 2, concurrency: 4, seed: 2 },
    });
    for (const shape of [result.single, result.cluster]) {
      assert.equal(shape.succeeded, shape.tasks, 'every Task of the DAG succeeded');
      assert.equal(shape.failures, 0);
      positive(shape.msPerEvent, 'ms per event');
      positive(shape.redisCpuMsPerEvent, 'redis CPU per event');
    }
    positive(result.ratio, 'cluster / single');
    for (const run of [result.parallelSingle, result.parallelCluster]) {
      assert.equal(run.succeeded, run.tasks);
      positive(run.tasksPerSecond, 'Tasks/s');
    }
    assert.equal(result.parallelCluster.shards.length, 3, 'three primaries');
    assert.equal(result.parallelCluster.shards.reduce((n, s) => n + s.namespaces, 0), 2, 'each namespace on one primary');
  });

  test('rendering in a separate process: per-render and release-event figures for both renderers', async () => {
    const result = await runRenderIsolation({ renders: 40, rounds: 2, fanInWidth: 3, releases: 2 });
    for (const part of [result.render, result.release]) {
      for (const figures of [part.inProcess, part.isolated]) {
        positive(figures.p50, 'p50');
        positive(figures.p99, 'p99');
      }
    }
    positive(result.renderRatio, 'render ratio');
    positive(result.releaseRatio, 'release ratio');
  });

  test('a completion event costs at most two Redis round trips, first or last', async () => {
    const result = await runRoundTrips({ widths: [1, 3] });
    assert.equal(result.rows.length, 2);
    assert.equal(result.rows[0]!.first, null);
    assert.ok(result.rows[1]!.first!.length >= 1, 'the first completion reaches Redis');
    for (const row of result.rows) assert.ok(row.last.some((c) => c === 'EVALSHA complete'), `last completion ran the complete script: ${row.last}`);
    assert.ok(result.max >= 1 && result.max <= 2, `round trips per completion: ${result.max}`);
  });

  test('the DAG runs to the end: every Task succeeds, throughput and CPU are measured', async () => {
    const result = await runDag({ tasks: 40, layerWidth: 8, maxFanIn: 5, concurrency: 4, seed: 1 });
    assert.equal(result.succeeded, 40);
    assert.equal(result.failures, 0);
    assert.ok(result.edges > 0);
    positive(result.eventsPerSecond, 'events/s');
    positive(result.nodeCpuMsPerTask, 'CPU per Task');
    assert.ok(result.deliveries >= 40 * 4, `at least intake, ready, Job add and completion per Task: ${result.deliveries}`);
  });

  test('the local fan-in runs dendrite run to the end: every Task succeeds, wall time and peak RSS are measured', async () => {
    const result = await runLocalFanIn({ width: 5, timeoutMs: 60_000 });
    assert.deepEqual([result.tasks, result.succeeded, result.deadLetters, result.exitCode], [6, 6, 0, 0]);
    positive(result.wallMs, 'wall time');
    positive(result.peakRssMiB, 'peak RSS');
  });

  test('the dashboard benchmark paints its DAG, a change of its shape and a burst of changes in headless Chromium, and measures the longest blocks', async () => {
    const [result] = await runDashboardBench({ sizes: [30], runs: 1 });
    assert.ok(result);
    assert.equal(result.tasks, 30);
    positive(result.firstPaintMs, 'first paint');
    positive(result.layoutMs, 'layout');
    positive(result.drawMs, 'drawing');
    positive(result.firstPaintBlockedMs, 'longest block in the first paint');
    positive(result.shapeChangeMs, 'a Task added, drawn');
    positive(result.shapeChangeBlockedMs, 'longest block in the change of shape');
    assert.ok(result.burstBatches >= 1 && result.burstBatches < 30, `batches: ${result.burstBatches}`);
  });

  test('the load comparison gets answers from both servers, without errors', async () => {
    const result = await runBareServer({ rounds: 1, durationSeconds: 1, connections: 2, tasks: 3000, warmupSeconds: 0 });
    assert.deepEqual(result.runs.map((r) => r.server), ['bare express', 'job-status']);
    for (const run of result.runs) {
      positive(run.requestsPerSecond, `${run.server} req/s`);
      assert.equal(run.non2xx, 0, `${run.server} non-2xx`);
      assert.equal(run.errors, 0, `${run.server} errors`);
    }
    positive(result.ratio, 'ratio');
  });

  test('cold start measures health, readiness and memory of a function and the bare app', async () => {
    const result = await runColdStart({ rounds: 1, functions: ['job-status'], bundles: false });
    for (const row of [result.bare, ...result.rows]) {
      positive(row.healthMs, `${row.variant} health`);
      positive(row.readyMs, `${row.variant} ready`);
      positive(row.settledRssMiB, `${row.variant} RSS`);
      assert.ok(row.readyMs >= row.healthMs);
    }
  });
});

function getJson(port: number, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res: IncomingMessage) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') as Record<string, unknown> }));
    }).on('error', reject);
  });
}

describe('entry points', () => {
  let redis: RedisServer;
  let api: FakeApiServer;
  let dir: string;
  let kubeconfig: string;

  before(async () => {
    [redis, api] = await Promise.all([startRedisServer(), startFakeApiServer()]);
    dir = await mkdtemp(join(tmpdir(), 'dendrite-smoke-'));
    kubeconfig = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters: [{ name: fake, cluster: { server: "${api.url}", insecure-skip-tls-verify: true } }]\n` +
        'users: [{ name: fake, user: { token: fake } }]\ncontexts: [{ name: fake, context: { cluster: fake, user: fake, namespace: default } }]\n' +
        'current-context: fake\n',
    );
  });
  after(async () => {
    await Promise.all([redis.stop(), api.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  for (const fn of ['task-intake', 'job-status', 'launcher', 'resync', 'dead-letter']) {
    test(`${fn}: main.js answers /healthz before and after loading with its app's FUNCTION_NAME`, async () => {
      const { FUNCTION_NAME } = (await import(new URL(`functions/${fn}/app.js`, DIST).href)) as { FUNCTION_NAME: string };
      const script = fileURLToPath(new URL(`functions/${fn}/main.js`, DIST));
      const sample = await startOnce(script, { REDIS_URL: redis.url, K_SINK: 'http://127.0.0.1:9/', KUBECONFIG: kubeconfig, LOG_LEVEL: 'warn' });
      positive(sample.readyMs, 'ready');
      // startOnce stops the process; start it again to read the bodies.
      const port = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
          const p = (probe.address() as AddressInfo).port;
          probe.close(() => resolve(p));
        });
      });
      const child = spawn(process.execPath, [script], {
        env: { ...process.env, PORT: String(port), REDIS_URL: redis.url, K_SINK: 'http://127.0.0.1:9/', KUBECONFIG: kubeconfig, LOG_LEVEL: 'warn' },
        stdio: 'ignore',
      });
      try {
        let early: { status: number; body: Record<string, unknown> } | undefined;
        while (!early) early = await getJson(port, '/healthz').catch(() => undefined);
        assert.equal(early.status, 200);
        assert.equal(early.body.function, FUNCTION_NAME);
        let ready = 0;
        while (ready !== 200) ready = (await getJson(port, '/readyz').catch(() => ({ status: 0 }))).status;
        const late = await getJson(port, '/healthz');
        assert.deepEqual(late, { status: 200, body: { status: 'ok', function: FUNCTION_NAME } });
      } finally {
        child.kill('SIGKILL');
      }
    });
  }

  test('hand-off latency: warm and cold samples through the shipped functions over HTTP, each releasing its dependent', async () => {
    // The shipped bundles: built by the test below when it ran first, else here.
    if (!existsSync(fileURLToPath(new URL('bundle/start.cjs', DIST)))) {
      const bundle = spawnSync('npm', ['run', '--silent', 'bundle'], { cwd: REPO, encoding: 'utf8' });
      assert.equal(bundle.status, 0, bundle.stderr);
    }
    const rows = await runHandOff({ warmSamples: 2, coldSamples: 1 });
    assert.deepEqual(rows.map((r) => [r.mode, r.samples.length]), [['warm', 2], ['cold', 1]]);
    for (const row of rows) {
      positive(row.p50Ms, `${row.mode} p50`);
      positive(row.p99Ms, `${row.mode} p99`);
    }
    assert.equal(rows[0]!.coldStarts, 0, 'warm: nothing started on demand');
    assert.equal(rows[1]!.coldStarts, 2, 'cold: job-status, then the launcher, started by the events');
  });

  test('the shipped job-status (npm run bundle, started as the image starts it) records a completion and renders the released prompt in its bundled render process', async () => {
    const bundle = spawnSync('npm', ['run', '--silent', 'bundle'], { cwd: REPO, encoding: 'utf8' });
    assert.equal(bundle.status, 0, bundle.stderr);
    const received: Array<{ type: string; body: string }> = [];
    const sink = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        received.push({ type: String(req.headers['ce-type']), body });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/`;
    const spec = { type: 'claude-code', credentials: { type: 'api-key', secretRef: { name: 'k' } } };
    const bundled = api.put('tasks', { apiVersion: 'axon.io/v1alpha1', kind: 'Task', metadata: { namespace: 'default', name: 'bundled' }, spec: { ...spec, prompt: 'p' } });
    const template = 'got {{ index .Deps.bundled.Outputs 0 }}';
    const after = api.put('tasks', {
      apiVersion: 'axon.io/v1alpha1',
      kind: 'Task',
      metadata: { namespace: 'default', name: 'after' },
      spec: { ...spec, prompt: template, dependsOn: ['bundled'] },
    });
    // As task-intake and the launcher would have left the index.
    const store = createRedisStore(new Redis(redis.url));
    const uid = (t: typeof bundled) => String(t.metadata.uid);
    await store.register({ namespace: 'default', name: 'bundled', uid: uid(bundled), dependsOn: [], template: 'p', dialect: 'go' });
    await store.markLaunched('default', 'bundled', uid(bundled));
    await store.register({ namespace: 'default', name: 'after', uid: uid(after), dependsOn: ['bundled'], template, dialect: 'go' });
    await store.close();
    const job = buildJob(bundled as unknown as Task, 'p', DEFAULT_JOB_CONFIG);
    api.put('jobs', job as unknown as StoredObject);
    const pod = api.addJobPod('default', 'bundled', { logs: { 'claude-code': '---AXON_OUTPUTS_START---\nbranch: x\n---AXON_OUTPUTS_END---\n' } });
    assert.ok(pod);
    const at = new Date().toISOString();
    const done = api.put('jobs', { ...api.get('jobs', 'default', 'bundled')!, status: { succeeded: 1, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: at }] } });
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    // As the image starts it: the bundle through the loader, with its code cache.
    const child = spawn(process.execPath, [fileURLToPath(new URL('bundle/start.cjs', DIST)), 'job-status'], {
      env: { ...process.env, PORT: String(port), REDIS_URL: redis.url, K_SINK: sinkUrl, KUBECONFIG: kubeconfig, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    try {
      let ready = 0;
      while (ready !== 200) ready = (await getJson(port, '/readyz').catch(() => ({ status: 0 }))).status;
      const message = HTTP.binary(apiServerEvent(APISERVER_UPDATE, done));
      const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string });
      assert.equal(res.status, 202, await res.text());
      const task = api.get('tasks', 'default', 'bundled') as { status?: { phase?: string; outputs?: string[] } };
      assert.equal(task.status?.phase, 'Succeeded');
      assert.deepEqual(task.status?.outputs, ['branch: x']);
      assert.ok(received.some((e) => e.type === 'dev.dendrite.task.succeeded'), `sink got ${received.map((e) => e.type)}`);
      const released = received.find((e) => e.type === 'dev.dendrite.task.ready');
      assert.ok(released, `sink got ${received.map((e) => e.type)}`);
      assert.equal((JSON.parse(released.body) as { prompt: string }).prompt, 'got branch: x');
    } finally {
      child.kill('SIGKILL');
      sink.close();
    }
  });
});
