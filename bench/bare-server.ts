/**
 * Against a bare server: autocannon posts Job-completed events (ApiServerSource Job updates
 * with a Complete condition, binary mode) at job-status — its express app in its own process,
 * real Redis, in-process cluster, each event for a different launched Task — and the same
 * requests at a bare express app that parses the JSON and answers 204. Runs alternate,
 * bare first; autocannon runs in this process, on the same machine.
 */
import autocannon from 'autocannon';
import { HTTP } from 'cloudevents';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '../test/support/redis-server.js';
import { isMain, printSection } from './support/main.js';
import { completedJob, jobEvent, jobFor, loadTask } from './support/objects.js';
import { cpuMsOf, spawnServer, type ServerProcess } from './support/process.js';
import { fmt, mean, table, verdict } from './support/stats.js';

export interface BareServerOptions {
  /** Alternating pairs of runs. */
  rounds: number;
  durationSeconds: number;
  connections: number;
  /** Distinct Tasks job-status holds; requests beyond this repeat completions (duplicates). */
  tasks: number;
  /** A first, unrecorded run of each server (JIT warm-up); 0 for none. */
  warmupSeconds: number;
}

export interface LoadRun {
  server: 'bare express' | 'job-status';
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Server process CPU per request, µs. */
  cpuMicrosPerRequest: number;
}

export interface BareServerResult {
  runs: LoadRun[];
  ratio: number;
  bareP99Ms: number;
  jobStatusP99Ms: number;
  duplicates: number;
}

export const FULL_BARE_SERVER: BareServerOptions = { rounds: 3, durationSeconds: 8, connections: 10, tasks: 90_000, warmupSeconds: 2 };

const script = (name: string) => fileURLToPath(new URL(`./servers/${name}.js`, import.meta.url));

interface Prepared {
  headers: Record<string, string>;
  body: string;
}

function prepare(count: number): Prepared[] {
  return Array.from({ length: count }, (_, i) => {
    const message = HTTP.binary(jobEvent('update', completedJob(jobFor(loadTask(i)))));
    return { headers: message.headers as Record<string, string>, body: message.body as string };
  });
}

async function load(server: ServerProcess, name: LoadRun['server'], requests: Prepared[], next: () => number, options: BareServerOptions): Promise<LoadRun> {
  const cpuBefore = cpuMsOf(server.child.pid!);
  const result = await autocannon({
    url: `http://127.0.0.1:${server.port}/`,
    connections: options.connections,
    duration: options.durationSeconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const prepared = requests[next() % requests.length]!;
          return { ...request, headers: prepared.headers, body: prepared.body };
        },
      },
    ],
  });
  const cpuMs = cpuMsOf(server.child.pid!) - cpuBefore;
  const total = result.requests.total;
  return {
    server: name,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: total,
    non2xx: result.non2xx,
    errors: result.errors,
    cpuMicrosPerRequest: total > 0 ? (cpuMs * 1000) / total : NaN,
  };
}

export async function runBareServer(options: BareServerOptions): Promise<BareServerResult> {
  const redis = await startRedisServer();
  const requests = prepare(options.tasks);
  let bareNext = 0;
  let jobNext = 0;
  const [bare, jobStatus] = await Promise.all([
    spawnServer(script('bare-express'), {}),
    spawnServer(script('job-status'), { REDIS_URL: redis.url, TASKS: String(options.tasks) }),
  ]);
  const runs: LoadRun[] = [];
  try {
    // Warm-up for both (JIT): not recorded; the job-status warm-up uses the last 2000 Tasks.
    if (options.warmupSeconds > 0) {
      await load(bare, 'bare express', requests, () => bareNext++, { ...options, durationSeconds: options.warmupSeconds });
      const warm = requests.slice(-2000);
      let warmNext = 0;
      await load(jobStatus, 'job-status', warm, () => warmNext++, { ...options, durationSeconds: options.warmupSeconds });
    }
    for (let round = 0; round < options.rounds; round++) {
      runs.push(await load(bare, 'bare express', requests, () => bareNext++, options));
      runs.push(await load(jobStatus, 'job-status', requests, () => jobNext++, options));
    }
  } finally {
    await Promise.all([bare.stop(), jobStatus.stop()]);
    await redis.stop();
  }
  const of = (name: LoadRun['server']) => runs.filter((r) => r.server === name);
  const bareRate = mean(of('bare express').map((r) => r.requestsPerSecond));
  const jobRate = mean(of('job-status').map((r) => r.requestsPerSecond));
  return {
    runs,
    ratio: jobRate / bareRate,
    bareP99Ms: mean(of('bare express').map((r) => r.p99Ms)),
    jobStatusP99Ms: mean(of('job-status').map((r) => r.p99Ms)),
    // The warm-up's Tasks are the last 2000, so the runs overlap them only past tasks - 2000.
    duplicates: Math.max(0, jobNext - (options.warmupSeconds > 0 ? options.tasks - 2000 : options.tasks)),
  };
}

export function bareServerReport(result: BareServerResult, options: BareServerOptions): string {
  return [
    `autocannon, ${options.connections} connections, ${options.durationSeconds} s per run, ${options.rounds} alternating pairs; ` +
      'each job-status request completes a different launched Task (no dependents).',
    '',
    table(
      ['run', 'server', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', 'errors', 'server CPU µs/req'],
      result.runs.map((r, i) => [i + 1, r.server, r.requestsPerSecond, r.p50Ms, r.p99Ms, r.requests, r.non2xx, r.errors, r.cpuMicrosPerRequest]),
    ),
    '',
    `Ratio of req/s job-status / bare express: ${fmt(result.ratio)} (goal ≥ 0.5: ${verdict(result.ratio >= 0.5)}). ` +
      `Mean p99: bare ${fmt(result.bareP99Ms)} ms, job-status ${fmt(result.jobStatusP99Ms)} ms.` +
      (result.duplicates > 0 ? ` ${result.duplicates} job-status requests repeated a completion (the Task list wrapped).` : ''),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  printSection('Against a bare server', bareServerReport(await runBareServer(FULL_BARE_SERVER), FULL_BARE_SERVER));
}
