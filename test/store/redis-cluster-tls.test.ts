/**
 * Redis Cluster with TLS and a password, as a managed cluster-mode Redis runs: three primaries
 * serving TLS only to clients (and to each other on the cluster bus), certificates from a CA
 * made for the test; the functions' client from REDIS_CLUSTER_NODES + REDIS_PASSWORD +
 * REDIS_TLS + REDIS_TLS_CA_FILE runs the store's steps. Without the CA, or without the
 * password, it does not get in.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ioredis from 'ioredis';
import type { Cluster } from 'ioredis';
import { readRedisSettings } from '../../shared/runtime/redis-config.js';
import { createRedisClient, type IoRedisModule } from '../../shared/runtime/redis-client.js';
import { createRedisStore } from '../../shared/store/redis-store.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { redisCli } from '../support/redis-topology.js';
import { success, task } from './contract.js';

const PASSWORD = 'tls-test-password';
const dir = mkdtempSync(join(tmpdir(), 'dendrite-tls-'));
const file = (name: string) => join(dir, name);
const nodes: RedisServer[] = [];
const tlsPorts: number[] = [];

function makeCertificates(): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=dendrite-test-ca');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'ext.cnf');
}

before(async () => {
  makeCertificates();
  for (let i = 0; i < 3; i++) {
    nodes.push(
      await startRedisServer({
        args: [
          '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000',
          '--tls-cert-file', file('server.crt'), '--tls-key-file', file('server.key'), '--tls-ca-cert-file', file('ca.crt'),
          '--tls-auth-clients', 'no', '--tls-cluster', 'yes', '--tls-replication', 'yes',
          '--requirepass', PASSWORD, '--masterauth', PASSWORD,
        ],
        extraPorts: 2,
        argsWithPort: (bus, tls) => {
          tlsPorts.push(tls!);
          return ['--cluster-port', String(bus), '--tls-port', String(tls)];
        },
      }),
    );
  }
  await redisCli([
    '--cluster', 'create', ...tlsPorts.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes',
    '--tls', '--cacert', file('ca.crt'), '-a', PASSWORD, '--no-auth-warning',
  ]);
});

after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function settings(extra: Record<string, string> = {}) {
  return readRedisSettings(
    { REDIS_CLUSTER_NODES: tlsPorts.map((p) => `127.0.0.1:${p}`).join(','), REDIS_PASSWORD: PASSWORD, REDIS_TLS: 'true', REDIS_TLS_CA_FILE: file('ca.crt'), ...extra },
    (message) => {
      throw new Error(message);
    },
  );
}

function connect(s: ReturnType<typeof settings>, ca: string | undefined): Cluster {
  const client = createRedisClient(ioredis as unknown as IoRedisModule, s, { ca }) as Cluster;
  client.on('error', () => undefined);
  return client;
}

/** Resolves once the client is ready; false when it gave up or the time ran out. */
function readyWithin(client: Cluster, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

test('the store runs on a TLS, password-protected Redis Cluster configured as the functions are', async () => {
  const s = settings();
  assert.equal(s.tls, true);
  const client = connect(s, readFileSync(s.tlsCaFile!, 'utf8'));
  assert.ok(await readyWithin(client, 20_000), 'connected over TLS');
  const store = createRedisStore(client);
  try {
    await store.ping();
    await store.register(task('d', ['a']));
    assert.equal((await store.recordCompletion(success('a'))).ready.length, 1);
  } finally {
    await store.close();
  }
});

test('without the CA or without the password the client does not get in', async () => {
  for (const [what, s, ca] of [
    ['no CA', settings(), undefined],
    ['no password', settings({ REDIS_PASSWORD: '' }), readFileSync(file('ca.crt'), 'utf8')],
  ] as const) {
    const client = connect(s, ca);
    try {
      assert.equal(await readyWithin(client, 3_000), false, what);
    } finally {
      client.disconnect();
    }
  }
});
