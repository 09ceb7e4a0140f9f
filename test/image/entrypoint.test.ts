/**
 * The image, as far as it can be checked without a Docker engine: the Dockerfile's shape, its
 * build replayed (context, copies, compile), the entry point of every Knative Service started
 * from the replayed /app with the Service's own env — healthy, ready, exposing metrics — and
 * graceful shutdown on SIGTERM.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { builtinModules } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { CloudEvent, HTTP } from 'cloudevents';
import { APISERVER_ADD } from '../../shared/events/types.js';
import { appliedManifests, ofKind, REPO, type Json, type Manifest } from '../knative/manifests.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { parseCopy } from './dockerfile.js';
import { replayImageBuild, type ReplayedImage } from './image-build.js';

const services = ofKind(appliedManifests(), 'serving.knative.dev/v1', 'Service');
const STARTUP_TIMEOUT_MS = 20_000;
const EXIT_TIMEOUT_MS = 10_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Stands in for the API server: answers `{}` to everything (a GET of a path in `objects`
 * with that object), but holds every answer while `hold` is set, so a test can keep an event
 * in flight.
 */
class DummyApiServer {
  readonly requests: string[] = [];
  /** What a GET of a path answers (task-intake reads a Task the index does not know yet). */
  readonly objects = new Map<string, unknown>();
  private held: Array<() => void> = [];
  private arrivals: Array<() => void> = [];
  hold = false;
  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<DummyApiServer> {
    let self: DummyApiServer | undefined;
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => self!.answer(req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new DummyApiServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push(`${req.method} ${req.url}`);
    const path = (req.url ?? '').split('?')[0]!;
    const body = req.method === 'GET' && this.objects.has(path) ? JSON.stringify(this.objects.get(path)) : '{}';
    const send = () => res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    if (this.hold) this.held.push(send);
    else send();
    for (const wake of this.arrivals.splice(0)) wake();
  }

  nextRequest(): Promise<void> {
    return new Promise((resolve) => this.arrivals.push(resolve));
  }

  release(): void {
    this.hold = false;
    for (const send of this.held.splice(0)) send();
  }

  kubeconfig(dir: string): string {
    const file = join(dir, 'kubeconfig');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: dummy\n  cluster:\n    server: ${this.url}\n    insecure-skip-tls-verify: true`,
        'users:',
        '- name: dummy\n  user:\n    token: dummy-token',
        'contexts:',
        '- name: dummy\n  context:\n    cluster: dummy\n    user: dummy\n    namespace: default',
        'current-context: dummy',
        '',
      ].join('\n'),
    );
    return file;
  }

  close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface Running {
  child: ChildProcess;
  port: number;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Polls until `path` answers 200: a probe, as the kubelet and Knative's queue-proxy do. */
async function waitFor(running: Running, path: string, deadline: number): Promise<void> {
  let exited = false;
  void running.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`exited during startup:\n${running.output()}`);
    try {
      const res = await fetch(`${running.url}${path}`);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no 200 from ${path} within ${STARTUP_TIMEOUT_MS} ms:\n${running.output()}`);
}

/** Literal env values the Service sets (Secret references are replaced by the test's own values). */
function literalEnv(svc: Manifest): Record<string, string> {
  const container = svc.doc.spec.template.spec.containers[0] as Json;
  return Object.fromEntries(((container.env ?? []) as Json[]).filter((e) => typeof e.value === 'string').map((e) => [e.name, e.value]));
}

/** Starts the Service's command in the replayed /app with what Knative, the SinkBinding and the Secret provide. */
async function startService(image: ReplayedImage, svc: Manifest, env: Record<string, string>): Promise<Running> {
  const container = svc.doc.spec.template.spec.containers[0] as Json;
  const [command, ...args] = [...(container.command as string[]), ...(container.args as string[])];
  assert.equal(command, 'node');
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    cwd: image.appDir,
    env: { PATH: process.env.PATH ?? '', ...literalEnv(svc), ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const running: Running = { child, port, url: `http://127.0.0.1:${port}`, output: () => output, exited };
  await waitFor(running, '/healthz', Date.now() + STARTUP_TIMEOUT_MS);
  return running;
}

async function exitWithin(running: Running, ms: number) {
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
  const result = await Promise.race([running.exited, timeout]);
  if (result === 'timeout') {
    running.child.kill('SIGKILL');
    throw new Error(`did not exit within ${ms} ms of SIGTERM:\n${running.output()}`);
  }
  return result;
}

function logLines(output: string): Json[] {
  return output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Json);
}

/** Residents set size of a process, from /proc (Linux); undefined elsewhere. */
function rssMiB(pid: number | undefined): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 1024) : undefined;
  } catch {
    return undefined;
  }
}

const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');

/** Optional speed-ups that ws and node-fetch require inside try/catch: absent, they do without. */
const OPTIONAL_PEERS = new Set(['bufferutil', 'utf-8-validate', 'encoding']);

describe('the container image', () => {
  let image: ReplayedImage;
  let redis: RedisServer;
  let api: DummyApiServer;
  let dir: string;

  before(async () => {
    image = replayImageBuild(REPO);
    [redis, api] = await Promise.all([startRedisServer(), DummyApiServer.start()]);
    dir = mkdtempSync(join(tmpdir(), 'dendrite-entry-'));
  });
  after(async () => {
    await Promise.all([redis?.stop(), api?.close()]);
    rmSync(dir, { recursive: true, force: true });
    // Only the replay's own temporary directory.
    if (image && basename(image.root).startsWith('dendrite-image-')) rmSync(image.root, { recursive: true, force: true });
  });

  /** What a Service's pod gets besides its manifest's env: REDIS_URL, K_SINK, in-cluster config. */
  const clusterEnv = () => ({
    REDIS_URL: redis.url,
    // Nothing is emitted in these tests; a closed port would make any emit fail loudly.
    K_SINK: 'http://127.0.0.1:9/',
    KUBECONFIG: api.kubeconfig(dir),
  });

  test('Dockerfile: multi-stage, production dependencies only, numeric non-root user, exec-form CMD', (t) => {
    const { stages } = image;
    assert.ok(stages.length >= 2, 'a build stage and a runtime stage');
    const final = stages.at(-1)!;
    const runs = final.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    assert.ok(runs.some((r) => /\bnpm ci\b.*--omit=dev\b/.test(r)), 'the runtime stage installs with npm ci --omit=dev');
    assert.ok(!runs.some((r) => /\b(tsc|npm (run|install)\b)/.test(r)), 'nothing is built in the runtime stage');
    const copies = final.instructions.filter((i) => i.keyword === 'COPY').map((i) => parseCopy(i.args));
    const fromBuild = copies.filter((c) => c.from !== undefined);
    assert.deepEqual(fromBuild.flatMap((c) => c.sources), ['/app/dist/bundle'], 'only the bundles come from the build stage (no dev node_modules, no tsc output)');
    // From the context: the package files, and the CRDs task-submit checks submissions against.
    assert.deepEqual(copies.filter((c) => c.from === undefined).flatMap((c) => c.sources).filter((s) => !/^package(-lock)?\.json$/.test(s)), ['crds']);
    assert.match(image.user ?? '', /^[1-9]\d*(:\d+)?$/, 'a numeric uid other than 0, so runAsNonRoot can be verified');
    const keywords = final.instructions.map((i) => i.keyword);
    assert.ok(keywords.indexOf('USER') > keywords.lastIndexOf('RUN'), 'USER comes after the last RUN');
    assert.equal(image.cmd[0], 'node');
    t.diagnostic(image.steps.join(' | '));
  });

  test('the replayed build puts the CMD and every Service\'s entry point in the image', () => {
    const cmdFile = join(image.appDir, image.cmd[1]!);
    assert.ok(statSync(cmdFile).isFile(), `${image.cmd[1]} exists`);
    for (const svc of services) {
      const args = svc.doc.spec.template.spec.containers[0].args as string[];
      assert.ok(statSync(join(image.appDir, args[0]!)).isFile(), `${svc.name}: ${args[0]} in the image`);
    }
    // No tests, CLI or sources in the image: the bundles, each with its code cache.
    assert.deepEqual(readdirSync(join(image.appDir, 'dist')).sort(), ['bundle']);
    for (const svc of services) {
      const cache = join(image.appDir, 'dist/bundle/functions', svc.name, 'main.cjs.cache');
      assert.ok(statSync(cache).size > 100_000, `${svc.name}: a code cache written by the build`);
    }
  });

  test('what the image runs imports only production dependencies and Node built-ins', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const builtins = new Set(builtinModules);
    const missing = new Map<string, string>();
    const walk = (path: string): string[] =>
      statSync(path).isDirectory() ? readdirSync(path).flatMap((e) => walk(join(path, e))) : /\.c?js$/.test(path) ? [path] : [];
    const files = walk(join(image.appDir, 'dist'));
    assert.ok(files.length >= services.length + 2, 'every function bundle, the loader and the render process');
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      // Minified: statements need not start a line.
      const specifiers = [
        ...text.matchAll(/(?:^|[;}\s])(?:import|export)\s*[\w$*{}\s,]*?from\s*['"]([^'"]+)['"]/gm),
        ...text.matchAll(/(?:^|[;}\s])import\s*['"]([^'"]+)['"]/gm),
        ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
        ...text.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g),
      ].map((m) => m[1]!);
      for (const spec of specifiers) {
        if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec) || OPTIONAL_PEERS.has(spec)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!Object.hasOwn(pkg.dependencies, name)) missing.set(name, file.slice(image.appDir.length + 1));
      }
    }
    assert.deepEqual(Object.fromEntries(missing), {}, 'imported at run time but not a production dependency');
  });

  for (const svc of services) {
    test(`${svc.name}: its entry point starts, answers /healthz, /readyz and /metrics, and exits 0 on SIGTERM`, async (t) => {
      const running = await startService(image, svc, clusterEnv());
      try {
        // Ready once its clients are up (Redis answers PING): Knative routes events only then.
        await waitFor(running, '/readyz', Date.now() + STARTUP_TIMEOUT_MS);
        const metrics = await fetch(`${running.url}/metrics`);
        assert.equal(metrics.status, 200);
        const text = await metrics.text();
        assert.match(text, /^# TYPE dendrite_event_handling_seconds histogram$/m);
        assert.match(text, /^process_resident_memory_bytes /m);
        t.diagnostic(`${svc.name}: RSS after start ${rssMiB(running.child.pid) ?? '?'} MiB`);
      } finally {
        running.child.kill('SIGTERM');
      }
      const exit = await exitWithin(running, EXIT_TIMEOUT_MS);
      assert.deepEqual(exit, { code: 0, signal: null }, running.output());
      const messages = logLines(running.output()).map((l) => l.msg);
      assert.ok(messages.includes('listening') && messages.includes('stopped'), running.output());
      // The build's code cache matches this Node: V8 took it (else the start would be slower).
      assert.ok(messages.includes('code cache used'), running.output());
      if (svc.name === 'task-submit') {
        // The Task validator the build generated from the CRD the image copies: nothing compiled at start.
        assert.deepEqual(logLines(running.output()).filter((l) => 'taskSchema' in l).map((l) => l.taskSchema), ['precompiled'], running.output());
      }
      for (const line of logLines(running.output())) assert.equal(line.function, svc.name);
    });
  }

  test('SIGTERM with an event in flight: stops accepting, finishes the event, then exits 0', async () => {
    const svc = services.find((s) => s.name === 'task-intake')!;
    const running = await startService(image, svc, clusterEnv());
    await waitFor(running, '/readyz', Date.now() + STARTUP_TIMEOUT_MS);
    // A Task that waits on another: handling it writes to the API server, which holds its answers.
    const task = {
      apiVersion: 'axon.io/v1alpha1',
      kind: 'Task',
      metadata: { name: 'drain-me', namespace: 'default', uid: 'uid-drain' },
      spec: { type: 'claude-code', prompt: 'after {{ .Deps }}', dependsOn: ['first'], credentials: { type: 'api-key', secretRef: { name: 'k' } } },
    };
    const message = HTTP.binary(new CloudEvent({ type: APISERVER_ADD, source: 'https://apiserver.test', subject: '/apis/axon.io/v1alpha1/namespaces/default/tasks/drain-me', data: task, kind: 'Task' } as never));
    api.objects.set('/apis/axon.io/v1alpha1/namespaces/default/tasks/drain-me', { ...task, metadata: { ...task.metadata, resourceVersion: '1' } });
    api.hold = true;
    const arrived = api.nextRequest();
    const inFlight = fetch(`${running.url}/`, { method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string });
    await arrived;

    running.child.kill('SIGTERM');
    // Once it stops listening, new connections are refused while the old request is still open.
    let refused = false;
    for (let i = 0; i < 100 && !refused; i++) {
      await fetch(`${running.url}/healthz`).then(() => new Promise((r) => setTimeout(r, 20)), () => (refused = true));
    }
    assert.ok(refused, 'new connections refused after SIGTERM');
    assert.equal(running.child.exitCode, null, 'still running: the event is in flight');

    api.release();
    const response = await inFlight;
    assert.equal(response.status, 202, await response.text());
    const exit = await exitWithin(running, EXIT_TIMEOUT_MS);
    assert.deepEqual(exit, { code: 0, signal: null }, running.output());
    const messages = logLines(running.output()).map((l) => l.msg);
    assert.ok(messages.indexOf('stopped') > messages.indexOf('shutting down: draining in-flight events'));
    assert.ok(api.requests.some((r) => r.startsWith('PATCH') && r.includes('/tasks/drain-me/status')), api.requests.join('\n'));
  });
});
