/**
 * The functions' apps on real parts for the benchmarks: a private redis-server, the Redis
 * store, the in-process cluster, each app listening on a loopback port (events arrive over
 * real HTTP). What the functions emit is handed to `onEmit` instead of an HTTP sink.
 */
import type { CloudEvent } from 'cloudevents';
import { Redis, type Cluster } from 'ioredis';
import pino, { type Logger } from 'pino';
import { createApp as createJobStatusApp } from '../../functions/job-status/app.js';
import { createApp as createLauncherApp } from '../../functions/launcher/app.js';
import { createApp as createTaskIntakeApp } from '../../functions/task-intake/app.js';
import { MAX_SINGLE_ARGUMENT_BYTES, type FlowDeps } from '../../shared/flow/deps.js';
import { DEFAULT_JOB_CONFIG } from '../../shared/job/build.js';
import { listenLocal, type LocalServer } from '../../shared/local/listen.js';
import { createRedisStore } from '../../shared/store/redis-store.js';
import type { Store } from '../../shared/store/store.js';
import { DEFAULT_RENDER_LIMITS, type PromptRenderer } from '../../shared/template/index.js';
import { startRedisServer, type RedisServer } from '../../test/support/redis-server.js';
import { isolatedRenderer } from '../../test/support/renderer.js';
import { MemoryCluster, type ClusterChange } from './memory-cluster.js';
import { agentLog } from './objects.js';

export type FunctionName = 'task-intake' | 'job-status' | 'launcher';

export interface BenchEngineOptions {
  functions: FunctionName[];
  onEmit?: (event: CloudEvent<unknown>) => void;
  onClusterChange?: (change: ClusterChange) => void;
  /** Log level of the apps; their lines go to /dev/null (the cost of writing them stays). */
  logLevel?: string;
  /** How prompts are rendered; the isolated renderer (as shipped) by default. */
  renderer?: PromptRenderer;
  /** Another Redis for the store (Cluster, Sentinel) instead of the private server. */
  backend?: RedisBackend;
}

/** A Redis setup the store can run on: its client, and the CPU its servers have used so far. */
export interface RedisBackend {
  connect(): Redis | Cluster;
  cpuSeconds(): Promise<number>;
}

/** used_cpu_user + used_cpu_sys of one server's INFO cpu. */
export async function serverCpuSeconds(info: () => Promise<string>): Promise<number> {
  const text = await info();
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(text)?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

export interface BenchEngine {
  redisServer: RedisServer;
  /** The store's own connection (its commands are the ones counted). */
  redis: Redis;
  store: Store;
  /** CPU seconds the Redis servers the store runs on have used (all of them, for a backend). */
  redisCpuSeconds(): Promise<number>;
  cluster: MemoryCluster;
  urls: Partial<Record<FunctionName, string>>;
  close(): Promise<void>;
}

export function benchLogger(level = 'info'): Logger {
  return pino({ level }, pino.destination({ dest: '/dev/null', sync: true }));
}

export async function startBenchEngine(options: BenchEngineOptions): Promise<BenchEngine> {
  const redisServer = await startRedisServer();
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
  const store = createRedisStore(options.backend ? options.backend.connect() : redis);
  const cluster = new MemoryCluster({ log: (_ns, job) => agentLog(job), onChange: options.onClusterChange });
  const log = benchLogger(options.logLevel);
  const renderer = options.renderer ?? isolatedRenderer();
  const deps = (name: FunctionName): FlowDeps => ({
    store,
    cluster,
    renderer,
    log: log.child({ function: name }),
    emit: async (event) => options.onEmit?.(event),
    config: { source: `/dendrite/${name}`, renderLimits: DEFAULT_RENDER_LIMITS, maxPromptBytes: MAX_SINGLE_ARGUMENT_BYTES },
    now: () => new Date(),
  });
  const servers: LocalServer[] = [];
  const urls: BenchEngine['urls'] = {};
  for (const name of options.functions) {
    const app =
      name === 'task-intake'
        ? createTaskIntakeApp(deps(name))
        : name === 'job-status'
          ? createJobStatusApp(deps(name), { logTailBytes: 64 * 1024 })
          : createLauncherApp(deps(name), DEFAULT_JOB_CONFIG);
    const server = await listenLocal(app);
    servers.push(server);
    urls[name] = server.url;
  }
  return {
    redisServer,
    redis,
    store,
    redisCpuSeconds: () => (options.backend ? options.backend.cpuSeconds() : serverCpuSeconds(() => redis.info('cpu'))),
    cluster,
    urls,
    async close() {
      await Promise.all(servers.map((s) => s.close()));
      await Promise.all([store.close(), renderer.close(), options.backend ? redis.quit() : undefined]);
      await redisServer.stop();
    },
  };
}
