/**
 * Redis Cluster against one Redis, in the same run: the DAG benchmark (bench/dag.ts — the apps
 * over HTTP, a bounded broker, the in-process cluster) on a private redis-server and on a
 * 3-primary Redis Cluster (a replica each, `redis-cli --cluster create`), alternating, to get
 * the cost per delivered event on each and their ratio. Then several namespaces' DAGs at once
 * (each its own apps and broker, all in this process) on each, for throughput and for how the
 * load spreads over the Cluster's shards: one namespace lives in one hash slot, so on one
 * primary.
 */
import type { Cluster } from 'ioredis';
import { adminClient, startRedisCluster, type RedisClusterServers } from '../test/support/redis-topology.js';
import { keySlot } from '../test/support/key-slot.js';
import { runDag, type DagOptions, type DagResult } from './dag.js';
import { serverCpuSeconds, type RedisBackend } from './support/engine.js';
import { isMain, printSection } from './support/main.js';
import { fmt, table } from './support/stats.js';

export interface ShapesOptions {
  /** The DAG measured on each shape, `rounds` times each, alternating. */
  dag: DagOptions;
  rounds: number;
  /** Namespaces run at once, each with this DAG. */
  namespaces: number;
  parallelDag: DagOptions;
}

export const FULL_SHAPES: ShapesOptions = {
  dag: { tasks: 2_000, layerWidth: 200, maxFanIn: 5, concurrency: 16, seed: 11 },
  rounds: 3,
  namespaces: 6,
  parallelDag: { tasks: 1_000, layerWidth: 100, maxFanIn: 5, concurrency: 8, seed: 12 },
};

export interface ShapeFigures {
  /** Wall time per delivered event, ms (median over rounds). */
  msPerEvent: number;
  nodeCpuMsPerEvent: number;
  redisCpuMsPerEvent: number;
  eventsPerSecond: number;
  failures: number;
  succeeded: number;
  tasks: number;
}

export interface ParallelFigures {
  namespaces: number;
  tasks: number;
  succeeded: number;
  seconds: number;
  tasksPerSecond: number;
  eventsPerSecond: number;
  failures: number;
  /** Per primary (Cluster): how many namespaces it holds and the CPU it spent, s. */
  shards: { port: number; namespaces: number; cpuSeconds: number }[];
}

export interface ShapesResult {
  single: ShapeFigures;
  cluster: ShapeFigures;
  /** cluster msPerEvent / single msPerEvent. */
  ratio: number;
  cpuRatio: number;
  /** cluster / single Redis CPU per event (all of the Cluster's nodes, replicas included). */
  redisCpuRatio: number;
  parallelSingle: ParallelFigures;
  parallelCluster: ParallelFigures;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function ready(client: Cluster): Promise<Cluster> {
  return new Promise((resolve, reject) => {
    client.once('ready', () => resolve(client));
    client.once('end', () => reject(new Error('cluster client ended before it was ready')));
  });
}

async function nodeCpu(port: number): Promise<number> {
  const admin = adminClient(port);
  try {
    return await serverCpuSeconds(() => admin.info('cpu'));
  } finally {
    admin.disconnect();
  }
}

/** A backend on the cluster whose client is connected before the run starts. */
async function clusterBackend(cluster: RedisClusterServers): Promise<RedisBackend> {
  const client = await ready(cluster.client());
  return {
    connect: () => client,
    cpuSeconds: async () => (await Promise.all(cluster.nodes.map((n) => nodeCpu(n.port)))).reduce((a, b) => a + b, 0),
  };
}

function figures(results: DagResult[]): ShapeFigures {
  return {
    msPerEvent: median(results.map((r) => (r.seconds * 1000) / r.deliveries)),
    nodeCpuMsPerEvent: median(results.map((r) => (r.nodeCpuMsPerTask * r.tasks) / r.deliveries)),
    redisCpuMsPerEvent: median(results.map((r) => (r.redisCpuMsPerTask * r.tasks) / r.deliveries)),
    eventsPerSecond: median(results.map((r) => r.eventsPerSecond)),
    failures: results.reduce((n, r) => n + r.failures, 0),
    succeeded: Math.min(...results.map((r) => r.succeeded)),
    tasks: results[0]!.tasks,
  };
}

async function parallel(options: ShapesOptions, backend: () => Promise<RedisBackend | undefined>, cluster?: RedisClusterServers): Promise<ParallelFigures> {
  const namespaces = Array.from({ length: options.namespaces }, (_, i) => `team-${i}`);
  const backends = await Promise.all(namespaces.map(() => backend()));
  const ports = cluster ? await cluster.primaries() : [];
  const before = await Promise.all(ports.map(nodeCpu));
  const started = performance.now();
  const results = await Promise.all(namespaces.map((namespace, i) => runDag({ ...options.parallelDag, namespace, seed: options.parallelDag.seed + i }, backends[i])));
  const seconds = (performance.now() - started) / 1000;
  const after = await Promise.all(ports.map(nodeCpu));
  const owners = cluster ? await Promise.all(namespaces.map((ns) => cluster.ownerOf(keySlot(`{${ns}}`)))) : [];
  const tasks = results.reduce((n, r) => n + r.tasks, 0);
  return {
    namespaces: namespaces.length,
    tasks,
    succeeded: results.reduce((n, r) => n + r.succeeded, 0),
    seconds,
    tasksPerSecond: tasks / seconds,
    eventsPerSecond: results.reduce((n, r) => n + r.deliveries, 0) / seconds,
    failures: results.reduce((n, r) => n + r.failures, 0),
    shards: ports.map((port, i) => ({ port, namespaces: owners.filter((o) => o === port).length, cpuSeconds: after[i]! - before[i]! })),
  };
}

export async function runRedisShapes(options: ShapesOptions): Promise<ShapesResult> {
  const cluster = await startRedisCluster();
  try {
    const single: DagResult[] = [];
    const onCluster: DagResult[] = [];
    for (let round = 0; round < options.rounds; round++) {
      single.push(await runDag(options.dag));
      await cluster.flushAll();
      onCluster.push(await runDag(options.dag, await clusterBackend(cluster)));
    }
    const s = figures(single);
    const c = figures(onCluster);
    const parallelSingle = await parallel(options, async () => undefined);
    await cluster.flushAll();
    const parallelCluster = await parallel(options, () => clusterBackend(cluster), cluster);
    return { single: s, cluster: c, ratio: c.msPerEvent / s.msPerEvent, cpuRatio: c.nodeCpuMsPerEvent / s.nodeCpuMsPerEvent, redisCpuRatio: c.redisCpuMsPerEvent / s.redisCpuMsPerEvent, parallelSingle, parallelCluster };
  } finally {
    await cluster.stop();
  }
}

export function shapesReport(result: ShapesResult, options: ShapesOptions): string {
  const row = (name: string, f: ShapeFigures) => [name, `${f.succeeded}/${f.tasks}`, f.msPerEvent, f.nodeCpuMsPerEvent, f.redisCpuMsPerEvent, f.eventsPerSecond, f.failures];
  const prow = (name: string, f: ParallelFigures) => [name, f.namespaces, `${f.succeeded}/${f.tasks}`, f.seconds, f.tasksPerSecond, f.eventsPerSecond, f.failures];
  const d = options.dag;
  const p = options.parallelDag;
  return [
    `Per event: the DAG benchmark (${d.tasks} Tasks, layers of ${d.layerWidth}, fan-in 1–${d.maxFanIn}, broker concurrency ${d.concurrency}) ` +
      `${options.rounds}× on each, alternating, medians. Redis Cluster: 3 primaries + 1 replica each, on this machine; the client the functions build.`,
    '',
    table(['Redis', 'Succeeded', 'wall ms/event', 'CPU ms/event (node)', 'CPU ms/event (redis, all nodes)', 'events/s', 'failed deliveries'], [row('single', result.single), row('cluster', result.cluster)]),
    '',
    `**Cluster / single, per event: ${fmt(result.ratio)}× wall, ${fmt(result.cpuRatio)}× node CPU, ${fmt(result.redisCpuRatio)}× Redis CPU (all nodes).**`,
    '',
    `Several namespaces at once: ${options.namespaces} namespaces × ${p.tasks} Tasks (layers of ${p.layerWidth}, fan-in 1–${p.maxFanIn}, ` +
      `concurrency ${p.concurrency} each), every namespace its own apps and broker, all in one node process.`,
    '',
    table(['Redis', 'namespaces', 'Succeeded', 'wall s', 'Tasks/s', 'events/s', 'failed deliveries'], [prow('single', result.parallelSingle), prow('cluster', result.parallelCluster)]),
    '',
    'Cluster shards during the parallel run: ' +
      result.parallelCluster.shards.map((s) => `primary :${s.port} held ${s.namespaces} namespace(s), ${fmt(s.cpuSeconds)} s CPU`).join('; ') +
      '.',
  ].join('\n');
}

if (isMain(import.meta.url)) {
  printSection('Redis Cluster against one Redis (bench/redis-shapes.ts)', shapesReport(await runRedisShapes(FULL_SHAPES), FULL_SHAPES));
}
