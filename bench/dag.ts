/**
 * DAG throughput: a layered DAG of Tasks (each depending on 1–maxFanIn Tasks of the layer
 * before) applied at once, run to the end through the real apps (task-intake, launcher,
 * job-status) over HTTP, real Redis, routed by knative/triggers.yaml through a bounded broker.
 * The in-process cluster plays the API server and ApiServerSource (every status patch comes
 * back as a Task update event, every Job as add → active → complete updates) and the kubelet
 * (each Job "runs" instantly and logs an output block). Measured: delivered events per second,
 * and CPU per Task — this process (apps, broker, cluster) and redis-server separately.
 */
import { fileURLToPath } from 'node:url';
import type { V1Job } from '@kubernetes/client-node';
import type { CloudEvent } from 'cloudevents';
import type { Task } from '../shared/task/model.js';
import { seededRandom } from '../test/support/random.js';
import { createBenchBroker } from './support/broker.js';
import { startBenchEngine, type RedisBackend } from './support/engine.js';
import { isMain, printSection } from './support/main.js';
import { activeJob, completedJob, jobEvent, makeTask, taskEvent } from './support/objects.js';
import { fmt, table } from './support/stats.js';

export interface DagOptions {
  tasks: number;
  layerWidth: number;
  maxFanIn: number;
  concurrency: number;
  seed: number;
  /** Where the Tasks live (default `dag`). */
  namespace?: string;
}

export interface DagResult {
  tasks: number;
  layers: number;
  edges: number;
  succeeded: number;
  seconds: number;
  deliveries: number;
  eventsPerSecond: number;
  tasksPerSecond: number;
  nodeCpuMsPerTask: number;
  redisCpuMsPerTask: number;
  retries: number;
  failures: number;
  byType: Record<string, number>;
}

export const FULL_DAG: DagOptions = { tasks: 10_000, layerWidth: 200, maxFanIn: 50, concurrency: 16, seed: 7 };

const TRIGGERS = fileURLToPath(new URL('../../knative/triggers.yaml', import.meta.url));
const NAMESPACE = 'dag';

export function buildDag(options: DagOptions): Task[] {
  const random = seededRandom(options.seed);
  const tasks: Task[] = [];
  let previous: string[] = [];
  for (let layer = 0; tasks.length < options.tasks; layer++) {
    const current: string[] = [];
    for (let i = 0; i < options.layerWidth && tasks.length < options.tasks; i++) {
      const name = `l${layer}-t${i}`;
      const pool = [...previous];
      const fanIn = Math.min(pool.length, 1 + Math.floor(random() * options.maxFanIn));
      const deps: string[] = [];
      for (let k = 0; k < fanIn; k++) deps.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!);
      const prompt = deps.length === 0 ? `Do part ${name}.` : `Continue from {{ index .Deps "${deps[0]}" "Results" "branch" }}.`;
      tasks.push(makeTask(options.namespace ?? NAMESPACE, name, deps, prompt));
      current.push(name);
    }
    previous = current;
  }
  return tasks;
}

/** Runs the DAG to its end; on `backend` (Redis Cluster, Sentinel) instead of a private redis-server when given. */
export async function runDag(options: DagOptions, backend?: RedisBackend): Promise<DagResult> {
  const tasks = buildDag(options);
  let publish: (event: CloudEvent<unknown>) => void = () => {};
  const engine = await startBenchEngine({
    functions: ['task-intake', 'launcher', 'job-status'],
    backend,
    onEmit: (event) => publish(event),
    onClusterChange: (change) => {
      if (change.kind === 'Task') publish(taskEvent('update', change.object));
      else publish(jobEvent('add', change.object));
    },
  });
  const jobs = new Map<string, V1Job>();
  const broker = createBenchBroker({
    triggersFile: TRIGGERS,
    subscribers: {
      'task-intake': engine.urls['task-intake']!,
      'job-status': engine.urls['job-status']!,
      launcher: engine.urls.launcher!,
    },
    concurrency: options.concurrency,
    // The kubelet: a delivered Job add starts the Job; a delivered "active" update ends it.
    afterDelivery: (event) => {
      if (event.type.startsWith('dev.knative.apiserver.resource.') && (event as unknown as { kind?: string }).kind === 'Job') {
        const job = event.data as V1Job;
        const name = job.metadata?.name ?? '';
        if (event.type.endsWith('.add')) {
          jobs.set(name, job);
          publish(jobEvent('update', activeJob(job)));
        } else if ((job.status?.active ?? 0) > 0 && !job.status?.conditions) {
          publish(jobEvent('update', engine.cluster.putJob(completedJob(jobs.get(name) ?? job))));
        }
      }
    },
  });
  publish = (event) => broker.publish(event);
  try {
    const cpuBefore = process.cpuUsage();
    const redisBefore = await engine.redisCpuSeconds();
    const started = performance.now();
    for (const task of tasks) publish(taskEvent('add', engine.cluster.putTask(task)));
    await broker.idle();
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const redisCpu = (await engine.redisCpuSeconds()) - redisBefore;
    const succeeded = [...engine.cluster.tasks.values()].filter((t) => t.status?.phase === 'Succeeded').length;
    return {
      tasks: tasks.length,
      layers: Math.ceil(tasks.length / options.layerWidth),
      edges: tasks.reduce((n, t) => n + (t.spec.dependsOn?.length ?? 0), 0),
      succeeded,
      seconds,
      deliveries: broker.stats.deliveries,
      eventsPerSecond: broker.stats.deliveries / seconds,
      tasksPerSecond: tasks.length / seconds,
      nodeCpuMsPerTask: (cpu.user + cpu.system) / 1000 / tasks.length,
      redisCpuMsPerTask: (redisCpu * 1000) / tasks.length,
      retries: broker.stats.retries,
      failures: broker.stats.failures,
      byType: broker.stats.byType,
    };
  } finally {
    broker.close();
    await engine.close();
  }
}

export function dagReport(result: DagResult, options: DagOptions): string {
  return [
    `${result.tasks} Tasks in ${result.layers} layers of ${options.layerWidth}, each depending on 1–${options.maxFanIn} Tasks of the layer before ` +
      `(${result.edges} edges); all applied at once; broker concurrency ${options.concurrency}. ` +
      'Apps over HTTP, real Redis, in-process cluster (status patches and Jobs come back as ApiServerSource events).',
    '',
    table(
      ['Tasks', 'Succeeded', 'wall s', 'events delivered', 'events/s', 'Tasks/s', 'CPU ms/Task (node: apps + broker + cluster)', 'CPU ms/Task (redis-server)', 'retries', 'failed deliveries'],
      [[result.tasks, result.succeeded, result.seconds, result.deliveries, result.eventsPerSecond, result.tasksPerSecond, result.nodeCpuMsPerTask, result.redisCpuMsPerTask, result.retries, result.failures]],
    ),
    '',
    'Deliveries by type: ' + Object.entries(result.byType).map(([type, n]) => `${type.replace('dev.knative.apiserver.resource.', 'apiserver.')} ${n}`).join(', ') + '.',
    `Events per Task: ${fmt(result.deliveries / result.tasks)}.`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  printSection('DAG throughput', dagReport(await runDag(FULL_DAG), FULL_DAG));
}
