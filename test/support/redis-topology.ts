/**
 * Multi-node Redis for tests, on loopback free ports, built from private redis-servers:
 * - a Redis Cluster (`redis-cli --cluster create`), 3 primaries with a replica each by default;
 * - a Sentinel setup: one primary, its replicas, three Sentinels (`redis-server --sentinel`).
 * Each gives the RedisSettings the functions would be configured with, and clients built by
 * the same code the functions use (shared/runtime/redis-client.ts). `stop()` stops every server
 * (call it in `after`/`finally`; servers left behind are killed when the test process exits).
 */
import { spawn } from 'node:child_process';
import * as ioredis from 'ioredis';
import type { Cluster, Redis } from 'ioredis';
import { DEFAULT_REDIS_KEY_PREFIX, type RedisSettings } from '../../shared/runtime/redis-config.js';
import { createRedisClient, type IoRedisModule } from '../../shared/runtime/redis-client.js';
import { startRedisServer, type RedisServer } from './redis-server.js';

const IOREDIS = ioredis as unknown as IoRedisModule;

/** Runs redis-cli with these arguments; resolves with its output, rejects on a non-zero exit. */
export function redisCli(args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err.code === 'ENOENT' ? new Error('redis-cli is not installed (Debian: apt-get install redis-tools)') : err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`redis-cli ${args.join(' ')} exited with ${code ?? signal}:\n${out}`));
    });
  });
}

/** A plain connection to one server, for inspecting or steering it. */
export function adminClient(port: number): Redis {
  // Never reconnects: a server a test has killed must not keep the test process alive.
  return new ioredis.Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, lazyConnect: false, retryStrategy: () => null }).on('error', () => undefined);
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function stopAll(servers: RedisServer[]): Promise<void> {
  await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
}

function baseSettings(shape: RedisSettings['shape']): RedisSettings {
  return { shape, tls: false, keyPrefix: DEFAULT_REDIS_KEY_PREFIX, commandTimeoutMs: 5_000 };
}

// --- Redis Cluster ------------------------------------------------------------------------------

export interface RedisClusterServers {
  nodes: RedisServer[];
  settings: RedisSettings;
  /** A client as the functions build it (no offline queue, fast failure). */
  client(): Cluster;
  /** A client that waits while the cluster changes (for test set-up and checks). */
  patientClient(): Cluster;
  /** The port of the primary serving `slot`. */
  ownerOf(slot: number): Promise<number>;
  /** `CLUSTER KEYSLOT key`. */
  keySlot(key: string): Promise<number>;
  /** Every primary's port. */
  primaries(): Promise<number[]>;
  /** `CLUSTER MYID` of the node on a port. */
  nodeId(port: number): Promise<string>;
  /** FLUSHALL on every primary. */
  flushAll(): Promise<void>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  nodeTimeoutMs?: number;
}

export async function startRedisCluster(options: ClusterOptions = {}): Promise<RedisClusterServers> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const count = masters * (1 + replicas);
  const nodes: RedisServer[] = [];
  const admins: Redis[] = [];
  try {
    for (let i = 0; i < count; i++) {
      nodes.push(
        await startRedisServer({
          args: ['--cluster-enabled', 'yes', '--cluster-node-timeout', String(options.nodeTimeoutMs ?? 2_000), '--cluster-config-file', 'nodes.conf'],
          argsWithPort: (busPort) => ['--cluster-port', String(busPort)],
        }),
      );
    }
    await redisCli(['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(replicas), '--cluster-yes']);
    // Every node sees a complete, healthy cluster before anyone uses it.
    for (const node of nodes) {
      const admin = adminClient(node.port);
      admins.push(admin);
      await waitFor(`cluster_state:ok on ${node.port}`, async () => /cluster_state:ok/.test(String(await admin.cluster('INFO'))), 30_000);
    }
    // …and every replica has its primary's data (a replica that never synced cannot take over).
    for (const admin of admins) {
      await waitFor('replicas in sync', async () => {
        const info = await admin.info('replication');
        return /role:master/.test(info) || /master_link_status:up/.test(info);
      }, 30_000);
    }
  } catch (err) {
    for (const admin of admins) admin.disconnect();
    await stopAll(nodes);
    throw err;
  }
  for (const admin of admins) admin.disconnect();

  const settings = baseSettings({ kind: 'cluster', nodes: nodes.slice(0, masters).map((n) => ({ host: '127.0.0.1', port: n.port })) });
  /** Asks the nodes in turn (some may be down) until one answers. */
  const ask = async <T>(question: (admin: Redis) => Promise<T>): Promise<T> => {
    let last: unknown;
    for (const node of nodes) {
      const admin = adminClient(node.port);
      try {
        return await question(admin);
      } catch (err) {
        last = err;
      } finally {
        admin.disconnect();
      }
    }
    throw last;
  };
  const slotsTable = () => ask(async (admin) => (await admin.cluster('SLOTS')) as unknown as [number, number, [string, number, ...unknown[]]][]);
  const clients: Cluster[] = [];
  const make = (patient: boolean): Cluster => {
    const client = patient
      ? new ioredis.Cluster(settings.shape.kind === 'cluster' ? settings.shape.nodes : [], { retryDelayOnTryAgain: 100, maxRedirections: 64 })
      : (createRedisClient(IOREDIS, settings) as Cluster);
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  };
  const primaries = async () => [...new Set((await slotsTable()).map((range) => range[2][1]))];
  return {
    nodes,
    settings,
    client: () => make(false),
    patientClient: () => make(true),
    async ownerOf(slot) {
      const range = (await slotsTable()).find(([from, to]) => slot >= from && slot <= to);
      if (!range) throw new Error(`slot ${slot} is not served`);
      return range[2][1];
    },
    keySlot: (key) => ask(async (admin) => Number(await admin.cluster('KEYSLOT', key))),
    primaries,
    async nodeId(port) {
      const admin = adminClient(port);
      try {
        return String(await admin.cluster('MYID'));
      } finally {
        admin.disconnect();
      }
    },
    async flushAll() {
      for (const port of await primaries()) {
        const admin = adminClient(port);
        try {
          await admin.flushall();
        } finally {
          admin.disconnect();
        }
      }
    },
    async stop() {
      for (const client of clients) client.disconnect();
      await stopAll(nodes);
    },
  };
}

// --- Sentinel -----------------------------------------------------------------------------------

export interface SentinelServers {
  primary: RedisServer;
  replicas: RedisServer[];
  sentinels: RedisServer[];
  masterName: string;
  settings: RedisSettings;
  /** A client as the functions build it. */
  client(): Redis;
  /** The port the Sentinels currently name as the primary. */
  primaryPort(): Promise<number>;
  /** The data server on a port. */
  server(port: number): RedisServer;
  /** Waits until the Sentinels name a primary other than `port`, and it answers as primary. */
  waitForPromotion(fromPort: number, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

export interface SentinelOptions {
  replicas?: number;
  /** Sentinel's down-after-milliseconds. */
  downAfterMs?: number;
}

export async function startRedisSentinel(options: SentinelOptions = {}): Promise<SentinelServers> {
  const masterName = 'dendrite';
  const downAfter = options.downAfterMs ?? 1_000;
  const servers: RedisServer[] = [];
  try {
    // Replication is asynchronous and never refuses a write for want of a replica.
    const dataArgs = ['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0', '--replica-priority', '100', '--enable-debug-command', 'local'];
    const primary = await startRedisServer({ args: dataArgs });
    servers.push(primary);
    const replicas: RedisServer[] = [];
    for (let i = 0; i < (options.replicas ?? 1); i++) {
      const replica = await startRedisServer({ args: [...dataArgs, '--replicaof', '127.0.0.1', String(primary.port)] });
      servers.push(replica);
      replicas.push(replica);
    }
    for (const replica of replicas) {
      const admin = adminClient(replica.port);
      try {
        await waitFor(`replica ${replica.port} in sync`, async () => /master_link_status:up/.test(await admin.info('replication')), 15_000);
      } finally {
        admin.disconnect();
      }
    }
    const sentinelConfig = [
      `sentinel monitor ${masterName} 127.0.0.1 ${primary.port} 2`,
      `sentinel down-after-milliseconds ${masterName} ${downAfter}`,
      `sentinel failover-timeout ${masterName} 4000`,
      `sentinel parallel-syncs ${masterName} 1`,
    ].join('\n');
    const sentinels: RedisServer[] = [];
    for (let i = 0; i < 3; i++) {
      const sentinel = await startRedisServer({ sentinel: sentinelConfig });
      servers.push(sentinel);
      sentinels.push(sentinel);
    }
    // Each Sentinel knows the replicas and the other Sentinels before anything fails.
    for (const sentinel of sentinels) {
      const admin = adminClient(sentinel.port);
      try {
        await waitFor(`sentinel ${sentinel.port} sees everyone`, async () => {
          const [info] = (await admin.call('SENTINEL', 'MASTERS')) as string[][];
          const fields = Object.fromEntries((info ?? []).flatMap((v, i, all) => (i % 2 === 0 ? [[v, all[i + 1]]] : [])));
          return Number(fields['num-slaves']) >= replicas.length && Number(fields['num-other-sentinels']) >= 2;
        }, 20_000);
      } finally {
        admin.disconnect();
      }
    }
    const settings = baseSettings({ kind: 'sentinel', sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })), masterName });
    const clients: Redis[] = [];
    const data = [primary, ...replicas];
    const primaryPort = async (): Promise<number> => {
      for (const sentinel of sentinels) {
        const admin = adminClient(sentinel.port);
        try {
          const [, port] = (await admin.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName)) as [string, string];
          return Number(port);
        } catch {
          // that Sentinel is away: ask the next
        } finally {
          admin.disconnect();
        }
      }
      throw new Error('no Sentinel answered');
    };
    return {
      primary,
      replicas,
      sentinels,
      masterName,
      settings,
      client() {
        const client = createRedisClient(IOREDIS, settings) as Redis;
        client.on('error', () => undefined);
        clients.push(client);
        return client;
      },
      primaryPort,
      server(port) {
        const found = data.find((s) => s.port === port);
        if (!found) throw new Error(`no data server on ${port}`);
        return found;
      },
      async waitForPromotion(fromPort, timeoutMs = 30_000) {
        return waitFor(`a primary other than ${fromPort}`, async () => {
          const port = await primaryPort();
          if (port === fromPort) return undefined;
          const admin = adminClient(port);
          try {
            const role = (await admin.call('ROLE')) as string[];
            return role[0] === 'master' ? port : undefined;
          } finally {
            admin.disconnect();
          }
        }, timeoutMs, 200);
      },
      async stop() {
        for (const client of clients) client.disconnect();
        await stopAll(servers);
      },
    };
  } catch (err) {
    await stopAll(servers);
    throw err;
  }
}
