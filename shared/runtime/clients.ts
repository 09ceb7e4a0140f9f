/**
 * Builds the real clients a function runs with. Heavy modules (client-node ~0.5 s, ioredis)
 * are imported here, lazily, so nothing pays for them at module load.
 */
import pino, { type Logger } from 'pino';
import { createHttpEmit } from '../events/emit.js';
import type { FlowDeps } from '../flow/deps.js';
import { createMetrics } from '../metrics/metrics.js';
import type { BaseConfig, RuntimeConfig } from './config.js';

export interface Runtime {
  deps: FlowDeps;
  close(): Promise<void>;
}

export function createLogger(config: Pick<BaseConfig, 'functionName' | 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { function: config.functionName } });
}

export async function createRuntime(config: RuntimeConfig, log: Logger): Promise<Runtime> {
  const [{ Redis }, { createRedisStore }, k8s, { createKubernetesCluster }] = await Promise.all([
    import('ioredis'),
    import('../store/redis-store.js'),
    import('@kubernetes/client-node'),
    import('../cluster/kubernetes.js'),
  ]);
  // Fail commands fast while Redis is down (→ 503, the broker retries) instead of queueing them.
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  redis.on('error', (err: Error) => log.warn({ err: err.message }, 'redis connection error'));
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromDefault();
  const deps: FlowDeps = {
    store: createRedisStore(redis),
    cluster: createKubernetesCluster(kubeConfig),
    emit: createHttpEmit(config.sink),
    log,
    config: {
      source: `/dendrite/${config.functionName}`,
      renderLimits: config.renderLimits,
      maxPromptBytes: config.maxPromptBytes,
    },
    now: () => new Date(),
    metrics: createMetrics({ defaultMetrics: true }),
  };
  return { deps, close: () => deps.store.close() };
}
