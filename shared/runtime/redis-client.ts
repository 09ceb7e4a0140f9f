/**
 * The ioredis client for each connection shape, with the same failure behaviour everywhere:
 * a command fails fast while Redis is unreachable (no offline queue, one retry, a command
 * timeout) so the handler answers 503 and the broker redelivers, instead of holding the event.
 * Redirections (MOVED, ASK), TRYAGAIN and CLUSTERDOWN are retried by ioredis for a moment;
 * what is still failing after that surfaces as a transient store error.
 *
 * The ioredis module is passed in: callers import it lazily (see clients.ts).
 */
import type { ConnectionOptions } from 'node:tls';
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import type { RedisSettings } from './redis-config.js';

export interface IoRedisModule {
  Redis: new (...args: any[]) => Redis;
  Cluster: new (...args: any[]) => Cluster;
}

export interface ClientExtras {
  /** The CA certificate(s), PEM, read from REDIS_TLS_CA_FILE. */
  ca?: string;
  /** Connect later (the first command or `connect()`); by default at once. */
  lazyConnect?: boolean;
}

/** After a failover, a connection still open to the demoted primary answers READONLY: reconnect (Sentinel finds the new one). */
function reconnectOnReadonly(err: Error): 1 | false {
  return err.message.startsWith('READONLY') ? 1 : false;
}

function tlsOptions(settings: RedisSettings, extras: ClientExtras): ConnectionOptions | undefined {
  if (!settings.tls && extras.ca === undefined) return undefined;
  return extras.ca === undefined ? {} : { ca: extras.ca };
}

export function createRedisClient(ioredis: IoRedisModule, settings: RedisSettings, extras: ClientExtras = {}): Redis | Cluster {
  const tls = tlsOptions(settings, extras);
  const auth = { ...(settings.username ? { username: settings.username } : {}), ...(settings.password ? { password: settings.password } : {}) };
  const common: RedisOptions = {
    maxRetriesPerRequest: 1,
    commandTimeout: settings.commandTimeoutMs,
    connectTimeout: Math.max(settings.commandTimeoutMs, 2_000),
    lazyConnect: extras.lazyConnect ?? false,
    ...auth,
    ...(tls ? { tls } : {}),
  };
  const { shape } = settings;
  switch (shape.kind) {
    case 'single':
      // The URL's own credentials and scheme come first; the options fill in the rest.
      return new ioredis.Redis(shape.url, { ...common, enableOfflineQueue: false, reconnectOnError: reconnectOnReadonly });
    case 'sentinel':
      return new ioredis.Redis({
        ...common,
        enableOfflineQueue: false,
        sentinels: shape.sentinels,
        name: shape.masterName,
        role: 'master',
        ...(shape.sentinelUsername ? { sentinelUsername: shape.sentinelUsername } : {}),
        ...(shape.sentinelPassword ? { sentinelPassword: shape.sentinelPassword } : {}),
        ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
        // Told of a promotion by the Sentinels (+switch-master), not only by a broken connection.
        failoverDetector: true,
        // Retry the Sentinels for ever, a little apart: a function outlives a Redis outage.
        sentinelRetryStrategy: (times: number) => Math.min(100 * times, 2_000),
        reconnectOnError: reconnectOnReadonly,
      });
    case 'cluster': {
      const options: ClusterOptions = {
        enableOfflineQueue: false,
        lazyConnect: extras.lazyConnect ?? false,
        redisOptions: common,
        maxRedirections: 16,
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 200,
        retryDelayOnTryAgain: 100,
        slotsRefreshTimeout: 2_000,
        // Keep reconnecting to the seeds while the whole cluster is away.
        clusterRetryStrategy: (times: number) => Math.min(100 * times, 2_000),
        // With TLS, connect by the names the cluster announces, so certificates match them.
        ...(tls ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) } : {}),
      };
      return new ioredis.Cluster(shape.nodes, options);
    }
  }
}
