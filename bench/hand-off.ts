/**
 * Hand-off latency: from the Job-complete event of a Task's last dependency to the dependent's
 * Job create request — the time Dendrite adds between one agent finishing and the next one
 * starting. Everything as deployed, over HTTP: the shipped functions (`node dist/bundle/start.cjs
 * <name>`, each behind an activator stand-in), a broker routing by knative/triggers.yaml, an
 * ApiServerSource stand-in watching the fake API server (events sent as each change is made),
 * real Redis. Path: job-status (reads the Job and pod log, writes the Task's status, records the
 * completion in Redis, emits task.ready) → broker → launcher (creates the Job).
 *
 * Warm: every function running. Cold: job-status and launcher scaled to zero before each
 * sample, so the event waits for each to start on demand (Knative's scale from zero).
 */
import type { CloudEvent } from 'cloudevents';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { receiveCloudEvent } from '../shared/events/receive.js';
import { APISERVER_ADD, APISERVER_DELETE, APISERVER_UPDATE } from '../shared/events/types.js';
import { apiServerEvent } from '../test/support/apiserver-source.js';
import { startFakeApiServer, type FakeApiServer, type StoredObject } from '../test/support/fake-apiserver.js';
import { startRedisServer } from '../test/support/redis-server.js';
import { startActivator, type Activator } from './support/activator.js';
import { createBenchBroker, type BenchBroker } from './support/broker.js';
import { isMain, printSection } from './support/main.js';
import { agentLog } from './support/objects.js';
import { fmt, percentile, table } from './support/stats.js';

export interface HandOffOptions {
  warmSamples: number;
  coldSamples: number;
}

export interface HandOffRow {
  mode: 'warm' | 'cold';
  samples: number[];
  p50Ms: number;
  p99Ms: number;
  coldStarts: number;
}

export const FULL_HAND_OFF: HandOffOptions = { warmSamples: 40, coldSamples: 8 };

const DIST = new URL('../', import.meta.url);
const START = fileURLToPath(new URL('bundle/start.cjs', DIST));
const TRIGGERS = fileURLToPath(new URL('../../knative/triggers.yaml', import.meta.url));
const FUNCTIONS = ['task-intake', 'job-status', 'launcher'] as const;
const NAMESPACE = 'handoff';

function kubeconfigText(url: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [{ name: fake, cluster: { server: "${url}", insecure-skip-tls-verify: true } }]`,
    'users: [{ name: fake, user: { token: fake } }]',
    'contexts: [{ name: fake, context: { cluster: fake, user: fake } }]',
    'current-context: fake',
    '',
  ].join('\n');
}

/** ApiServerSource stand-in: every change to a Task or one of our Jobs becomes an event at once. */
function watchSource(api: FakeApiServer, broker: BenchBroker): void {
  const seen = new Set<string>();
  api.onChange((obj: StoredObject, deleted) => {
    const labels = (obj.metadata.labels ?? {}) as Record<string, string>;
    if (obj.kind !== 'Task' && !(obj.kind === 'Job' && labels['axon.io/task'])) return;
    const key = `${String(obj.kind)}/${String(obj.metadata.namespace)}/${String(obj.metadata.name)}`;
    const type = deleted ? APISERVER_DELETE : seen.has(key) ? APISERVER_UPDATE : APISERVER_ADD;
    if (deleted) seen.delete(key);
    else seen.add(key);
    // After the write returns, as a watch delivers it.
    const copy = structuredClone(obj);
    setImmediate(() => broker.publish(apiServerEvent(type, copy)));
  });
}

/** The broker's ingress (K_SINK): what the functions emit is published to the Triggers. */
async function ingress(publish: (event: CloudEvent<unknown>) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        publish(receiveCloudEvent(req.headers as Record<string, string>, Buffer.concat(chunks)));
        res.writeHead(202).end();
      } catch (err) {
        res.writeHead(400).end((err as Error).message);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

function task(name: string, dependsOn?: string) {
  return {
    apiVersion: 'axon.io/v1alpha1',
    kind: 'Task',
    metadata: { namespace: NAMESPACE, name },
    spec: {
      type: 'claude-code',
      prompt: dependsOn ? `continue from {{ index .Deps "${dependsOn}" "Outputs" }}` : `start ${name}`,
      credentials: { type: 'api-key', secretRef: { name: 'agent-key' } },
      ...(dependsOn ? { dependsOn: [dependsOn] } : {}),
    },
  };
}

async function until(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ok()) {
    if (performance.now() > deadline) throw new Error(`hand-off: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

export async function runHandOff(options: HandOffOptions): Promise<HandOffRow[]> {
  const [api, redis] = await Promise.all([startFakeApiServer(), startRedisServer()]);
  const dir = await mkdtemp(join(tmpdir(), 'dendrite-handoff-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, kubeconfigText(api.url));
  const subscribers: Record<string, string> = {};
  const activators = new Map<string, Activator>();
  let broker: BenchBroker | undefined;
  let sink: Server | undefined;
  // When each Job's create request was served, by Job name.
  const created = new Map<string, number>();
  api.onChange((obj, deleted) => {
    if (obj.kind === 'Job' && !deleted && !created.has(String(obj.metadata.name))) created.set(String(obj.metadata.name), performance.now());
  });
  try {
    // The functions need the ingress's URL before the broker (which needs theirs) exists.
    const ingressed = await ingress((event) => broker!.publish(event));
    sink = ingressed.server;
    for (const fn of FUNCTIONS) {
      const activator = await startActivator({
        script: START,
        args: [fn],
        env: { REDIS_URL: redis.url, K_SINK: ingressed.url, KUBECONFIG: kubeconfig, LOG_LEVEL: 'warn' },
      });
      activators.set(fn, activator);
      subscribers[fn] = activator.url;
    }
    broker = createBenchBroker({ triggersFile: TRIGGERS, subscribers, concurrency: 16 });
    watchSource(api, broker);

    let n = 0;
    const sample = async (mode: 'warm' | 'cold'): Promise<number> => {
      const i = ++n;
      const [dep, next] = [`dep-${i}`, `next-${i}`];
      await Promise.all(FUNCTIONS.map((fn) => activators.get(fn)!.warm()));
      api.put('tasks', task(dep));
      api.put('tasks', task(next, dep));
      await until(`${dep}'s Job`, () => created.has(dep));
      await until(`${next} waiting`, () => (api.get('tasks', NAMESPACE, next)?.status as { phase?: string } | undefined)?.phase === 'Waiting');
      await broker!.idle();
      if (mode === 'cold') {
        await activators.get('job-status')!.scaleToZero();
        await activators.get('launcher')!.scaleToZero();
      }
      // The kubelet and Job controller: the agent ran and printed its outputs; the Job completes.
      api.addJobPod(NAMESPACE, dep, { logs: { 'claude-code': agentLog(dep) } });
      const job = api.get('jobs', NAMESPACE, dep)!;
      const at = new Date().toISOString();
      const started = performance.now();
      const firstRequest = api.requests.length;
      api.put('jobs', { ...job, status: { succeeded: 1, completionTime: at, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: at }] } });
      await until(`${next}'s Job`, () => created.has(next));
      const ms = created.get(next)! - started;
      if (process.env.HAND_OFF_TRACE) {
        const trace = api.requests.slice(firstRequest).map((r) => `${(r.at - started).toFixed(1)} ${r.method} ${r.path.replace(`/namespaces/${NAMESPACE}`, '')}`);
        process.stderr.write(`${mode} ${ms.toFixed(1)} ms:\n  ${trace.join('\n  ')}\n`);
      }
      await broker!.idle();
      return ms;
    };

    const rows: HandOffRow[] = [];
    for (const [mode, count] of [['warm', options.warmSamples], ['cold', options.coldSamples]] as const) {
      if (count === 0) continue;
      const before = activators.get('job-status')!.coldStarts + activators.get('launcher')!.coldStarts;
      if (mode === 'warm') await sample('warm'); // JIT and connections, not recorded
      const samples: number[] = [];
      for (let k = 0; k < count; k++) samples.push(await sample(mode));
      const coldStarts = activators.get('job-status')!.coldStarts + activators.get('launcher')!.coldStarts - before;
      rows.push({ mode, samples, p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99), coldStarts });
    }
    return rows;
  } finally {
    broker?.close();
    await Promise.all([...activators.values()].map((a) => a.close()));
    sink?.close();
    await Promise.all([api.close(), redis.stop()]);
    await rm(dir, { recursive: true, force: true });
  }
}

export function handOffReport(rows: HandOffRow[]): string {
  return [
    'Job-complete event of the last dependency → the dependent\'s Job create request, through the broker, ' +
      'the shipped functions over HTTP (each behind an activator stand-in) and real Redis.',
    '',
    table(
      ['mode', 'samples', 'p50 ms', 'p99 ms', 'cold starts'],
      rows.map((r) => [r.mode, r.samples.length, fmt(r.p50Ms), fmt(r.p99Ms), r.coldStarts]),
    ),
    '',
    'Cold: job-status and launcher scaled to zero before each sample — the event waits for job-status to start, ' +
      'then task.ready waits for the launcher to start, as with Knative scaling from zero (no pod scheduling or image pull here).',
  ].join('\n');
}

if (isMain(import.meta.url)) {
  printSection('Hand-off latency', handOffReport(await runHandOff(FULL_HAND_OFF)));
}
