/**
 * Cold start: spawn `node <entry>` → first 200 from /healthz (liveness; the server listens
 * before it loads the app) and → first 200 from /readyz (the app and its clients are built
 * and Redis answers: what Knative's readiness probe waits for before routing events), and the
 * resident memory at both points (and 300 ms after ready, settled). Against a bare express app
 * (/healthz only), runs alternating: bare, then each function, round after round. Each
 * function as the image runs it (`node dist/bundle/start.cjs <name>`: the bundle with its V8
 * code cache, from `npm run bundle`), the same bundle without the cache, and as compiled by tsc
 * (`dist/functions/<name>/main.js`, what the local mode and the tests run).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '../test/support/redis-server.js';
import { isMain, printSection } from './support/main.js';
import { rssMiBOf } from './support/process.js';
import { fmt, median, table, verdict } from './support/stats.js';
import { freePort } from '../test/support/ports.js';

export const FUNCTIONS = ['task-intake', 'job-status', 'launcher', 'resync', 'task-submit', 'task-spawner', 'github-webhook', 'dead-letter'] as const;

export interface ColdStartOptions {
  rounds: number;
  functions: readonly string[];
  /** Also the shipped bundles under dist/bundle (npm run bundle), when they exist. */
  bundles: boolean;
  /** Also the tsc output (default: yes). */
  tsc?: boolean;
}

export interface StartSample {
  healthMs: number;
  readyMs: number;
  healthRssMiB: number;
  readyRssMiB: number;
  settledRssMiB: number;
}

export interface ColdStartRow {
  variant: string;
  samples: StartSample[];
  healthMs: number;
  readyMs: number;
  healthRssMiB: number;
  settledRssMiB: number;
}

export interface ColdStartResult {
  bare: ColdStartRow;
  rows: ColdStartRow[];
}

export const FULL_COLD_START: ColdStartOptions = { rounds: 7, functions: FUNCTIONS, bundles: true };

const DIST = new URL('../', import.meta.url);
const BARE = fileURLToPath(new URL('./servers/bare-express.js', import.meta.url));

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: none, cluster: { server: "http://127.0.0.1:9", insecure-skip-tls-verify: true } }]
users: [{ name: none, user: { token: none } }]
contexts: [{ name: none, context: { cluster: none, user: none } }]
current-context: none
`;

function status(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => {
      req.destroy();
      resolve(0);
    });
  });
}

async function poll(port: number, path: string, deadline: number): Promise<boolean> {
  while (performance.now() < deadline) {
    if ((await status(port, path)) === 200) return true;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return false;
}

/** One cold start of `node <script>`. */
export async function startOnce(script: string, env: Record<string, string>, args: readonly string[] = []): Promise<StartSample> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const deadline = started + 20_000;
    if (!(await poll(port, '/healthz', deadline))) throw new Error(`${script}: no 200 from /healthz\n${stderr}`);
    const healthMs = performance.now() - started;
    const healthRssMiB = rssMiBOf(child.pid!);
    if (!(await poll(port, '/readyz', deadline))) throw new Error(`${script}: no 200 from /readyz\n${stderr}`);
    const readyMs = performance.now() - started;
    const readyRssMiB = rssMiBOf(child.pid!);
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { healthMs, readyMs, healthRssMiB, readyRssMiB, settledRssMiB: rssMiBOf(child.pid!) };
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

function row(variant: string, samples: StartSample[]): ColdStartRow {
  return {
    variant,
    samples,
    healthMs: median(samples.map((s) => s.healthMs)),
    readyMs: median(samples.map((s) => s.readyMs)),
    healthRssMiB: median(samples.map((s) => s.healthRssMiB)),
    settledRssMiB: median(samples.map((s) => s.settledRssMiB)),
  };
}

export async function runColdStart(options: ColdStartOptions): Promise<ColdStartResult> {
  const redis = await startRedisServer();
  const dir = await mkdtemp(join(tmpdir(), 'dendrite-cold-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, KUBECONFIG);
  const env = { REDIS_URL: redis.url, K_SINK: 'http://127.0.0.1:9/', KUBECONFIG: kubeconfig };
  const variants: Array<{ name: string; script: string; args?: string[]; env?: Record<string, string> }> = [];
  const start = fileURLToPath(new URL('bundle/start.cjs', DIST));
  if (options.bundles && existsSync(start)) {
    for (const fn of options.functions) variants.push({ name: `${fn} (shipped)`, script: start, args: [fn] });
    for (const fn of options.functions) variants.push({ name: `${fn} (bundle, no code cache)`, script: start, args: [fn], env: { DENDRITE_CODE_CACHE: 'off' } });
  }
  if (options.tsc !== false) {
    for (const fn of options.functions) variants.push({ name: `${fn} (tsc)`, script: fileURLToPath(new URL(`functions/${fn}/main.js`, DIST)) });
  }
  const bare: StartSample[] = [];
  const samples = new Map<string, StartSample[]>(variants.map((v) => [v.name, []]));
  try {
    // One start of each first, not recorded: the page cache is warm for every variant alike.
    await startOnce(BARE, env);
    for (const v of variants) await startOnce(v.script, { ...env, ...v.env }, v.args);
    for (let round = 0; round < options.rounds; round++) {
      for (const v of variants) {
        bare.push(await startOnce(BARE, env));
        samples.get(v.name)!.push(await startOnce(v.script, { ...env, ...v.env }, v.args));
      }
    }
  } finally {
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return { bare: row('bare express', bare), rows: variants.map((v) => row(v.name, samples.get(v.name)!)) };
}

export function coldStartReport(result: ColdStartResult, options: ColdStartOptions): string {
  const { bare } = result;
  const rows = [bare, ...result.rows];
  return [
    `Spawn → first 200, median of ${options.rounds} starts each, alternating with a bare express app (its own ${bare.samples.length} starts); ` +
      'RSS from /proc (MiB). Ratios are against the bare app (its health = its readiness).',
    '',
    table(
      ['entry', '/healthz ms', '/readyz ms', 'RSS at health', 'RSS settled', 'health time ratio', 'ready time ratio', 'settled RSS ratio'],
      rows.map((r) => [
        r.variant,
        r.healthMs,
        r.readyMs,
        r.healthRssMiB,
        r.settledRssMiB,
        r.healthMs / bare.healthMs,
        r.readyMs / bare.healthMs,
        r.settledRssMiB / bare.settledRssMiB,
      ]),
    ),
    '',
    ...result.rows.map((r) => {
      const health = r.healthMs / bare.healthMs;
      const ready = r.readyMs / bare.healthMs;
      const rss = r.settledRssMiB / bare.settledRssMiB;
      return (
        `- ${r.variant}: health ${fmt(health)} (≤ 1.5: ${verdict(health <= 1.5)}), ` +
        `ready ${fmt(ready)} (≤ 1.5: ${verdict(ready <= 1.5)}), settled RSS ${fmt(rss)} (≤ 1.5: ${verdict(rss <= 1.5)})`
      );
    }),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  printSection('Cold start', coldStartReport(await runColdStart(FULL_COLD_START), FULL_COLD_START));
}
