/**
 * Builds the real clients a function runs with. Heavy modules (client-node ~0.5 s, ioredis)
 * are imported here, lazily, so nothing pays for them at module load; start.ts imports this
 * module itself only once the server listens.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { createHttpEmit } from '../events/emit.js';
import { fileTokenSource } from '../events/oidc-token.js';
import type { FlowDeps } from '../flow/deps.js';
import { createMetrics } from '../metrics/metrics.js';
import { createIsolatedRenderer } from '../template/isolated/host.js';
import type { RuntimeConfig } from './config.js';
import { sayModulesLoaded } from './modules-loaded.js';
import { describeRedis } from './redis-config.js';
import { createRedisClient, type IoRedisModule } from './redis-client.js';

export interface Runtime {
  deps: FlowDeps;
  /** The store's Redis client, for a function keeping an index of its own there (task-spawner's slots). */
  redis: import('ioredis').Redis | import('ioredis').Cluster;
  close(): Promise<void>;
}

/**
 * Waits (briefly) for the first connection, so that the first readiness probe after loading
 * finds Redis answering. A Redis that is down does not stop the start: the function serves,
 * and readiness says 503 until Redis answers.
 */
function connected(redis: { once(event: 'ready' | 'error', listener: () => void): unknown }, timeoutMs = 2_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', done);
    redis.once('error', done);
  });
}

export async function createRuntime(config: RuntimeConfig, log: Logger, renderEntry: URL): Promise<Runtime> {
  // Through `default` (module.exports): a bundler's dynamic import of a CommonJS module
  // (npm run bundle) has no named exports.
  // Named imports of client-node only (no namespace object), so a bundler keeps just the API
  // classes the cluster adapter uses.
  const [{ default: ioredis }, { createRedisStore }, { createKubernetesCluster }, { loadDefaultKubeConfig }] = await Promise.all([
    import('ioredis'),
    import('../store/redis-store.js'),
    import('../cluster/kubernetes.js'),
    import('../cluster/kube-config.js'),
  ]);
  // A function that cannot reach any cluster never becomes ready (it stops here, saying why).
  const kubeConfig = loadDefaultKubeConfig();
  // Everything the function runs is loaded: the build writes its code cache now (code-cache-start.ts).
  sayModulesLoaded();
  // Fail commands fast while Redis is down (→ 503, the broker retries) instead of queueing them.
  const ca = config.redis.tlsCaFile === undefined ? undefined : await readFile(config.redis.tlsCaFile, 'utf8');
  const redis = createRedisClient(ioredis as unknown as IoRedisModule, config.redis, { ca });
  redis.on('error', (err: Error) => log.warn({ err: err.message }, 'redis connection error'));
  await connected(redis);
  log.info({ redis: describeRedis(config.redis) }, 'coordination index');
  const deps: FlowDeps = {
    store: createRedisStore(redis, { keyPrefix: config.redis.keyPrefix }),
    cluster: createKubernetesCluster(kubeConfig),
    emit: createHttpEmit(config.sink, { token: fileTokenSource(config.oidcTokenFile) }),
    log,
    config: {
      source: `/dendrite/${config.functionName}`,
      renderLimits: config.renderLimits,
      maxPromptBytes: config.maxPromptBytes,
    },
    renderer: createIsolatedRenderer({
      entry: renderEntry,
      maxMemoryMb: config.renderMemoryMb,
      onProcessExit: ({ cause, code, signal, stderr }) =>
        log.warn({ cause, code, signal, stderr: stderr.slice(-1024) }, 'render process ended; a new one starts for the next render'),
    }),
    now: () => new Date(),
    metrics: createMetrics({ defaultMetrics: true }),
  };
  return { deps, redis: redis as Runtime['redis'], close: async () => void (await Promise.all([deps.store.close(), deps.renderer.close()])) };
}
