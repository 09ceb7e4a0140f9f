/**
 * Redis Cluster with TLS and a password, as a managed cluster-mode Redis runs: three primaries
 * serving TLS only to clients (and to each other on the cluster bus), certificates from a CA
 * made for the test; the functions' client from REDIS_CLUSTER_NODES + REDIS_PASSWORD +
 * REDIS_TLS + REDIS_TLS_CA_FILE runs the store's steps. Without the CA, or without the
 * password, it does not get in.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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

/**
 * Whether a client of these settings gets ready within `ms`, asked in a child process: a
 * refused TLS handshake can still surface on a socket after the client is torn down, and it must
 * not land in this test process.
 */
function readyInChild(env: Record<string, string>, ms: number): Promise<boolean> {
  const script = `
    import * as ioredis from 'ioredis';
    import { readFileSync } from 'node:fs';
    import { readRedisSettings } from ${JSON.stringify(new URL('../../shared/runtime/redis-config.js', import.meta.url).href)};
    import { createRedisClient } from ${JSON.stringify(new URL('../../shared/runtime/redis-client.js', import.meta.url).href)};
    const s = readRedisSettings(process.env, (m) => { throw new Error(m); });
    const client = createRedisClient(ioredis, s, { ca: s.tlsCaFile ? readFileSync(s.tlsCaFile, 'utf8') : undefined });
    client.on('error', () => {});
    process.on('uncaughtException', () => {});
    const timer = setTimeout(() => { console.log('not ready'); process.exit(0); }, ${ms});
    client.once('ready', () => { clearTimeout(timer); console.log('ready'); process.exit(0); });
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', () => (/^ready/m.test(out) ? resolve(true) : /not ready/.test(out) ? resolve(false) : reject(new Error(`child said: ${out}`))));
  });
}

test('without the CA or without the password the client does not get in', async () => {
  const base = { REDIS_CLUSTER_NODES: tlsPorts.map((p) => `127.0.0.1:${p}`).join(','), REDIS_PASSWORD: PASSWORD, REDIS_TLS: 'true', REDIS_TLS_CA_FILE: file('ca.crt') };
  assert.equal(await readyInChild(base, 10_000), true, 'with both it does (the check works)');
  const { REDIS_TLS_CA_FILE: _ca, ...noCa } = base;
  assert.equal(await readyInChild(noCa, 3_000), false, 'no CA');
  const { REDIS_PASSWORD: _pw, ...noPassword } = base;
  assert.equal(await readyInChild(noPassword, 3_000), false, 'no password');
});
