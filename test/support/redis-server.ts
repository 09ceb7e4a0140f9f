/**
 * A private redis-server for tests: free loopback port, its own temp dir, nothing saved unless
 * asked (`appendonly` turns on AOF so a restart keeps the data). `args` adds server options
 * (a cluster node, a replica); `sentinel` runs it as a Sentinel from a config file it may
 * rewrite. Cluster and Sentinel setups are built from these in redis-topology.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface RedisServer {
  port: number;
  url: string;
  /** Its data (and config) directory. */
  dir: string;
  /** Sends a signal to the running server (SIGSTOP / SIGCONT to freeze it, SIGKILL to crash it). */
  signal(signal: NodeJS.Signals): void;
  /** The last lines of its log. */
  log(): Promise<string>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the server and keeps its data directory: clients see the connection refused. */
  down(): Promise<void>;
  /** Starts it again on the same port after `down()` (with AOF, with its data). */
  up(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 10_000;

/** Servers still running; killed if the test process exits without stopping them. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** One PING over a raw socket: true when the server answers (+PONG, or -NOAUTH when it wants a password). */
function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      // A server that requires a password answers too: it is up.
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
  });
}

async function logOf(dir: string): Promise<string> {
  return readFile(join(dir, 'redis.log'), 'utf8').catch(() => '(no log)');
}

interface ServerSpec {
  appendonly: boolean;
  /** More server options, e.g. ['--cluster-enabled', 'yes']. */
  args: string[];
  /** The text of a Sentinel config file (its port and log are added). */
  sentinel?: string;
}

async function argsFor(port: number, dir: string, spec: ServerSpec): Promise<string[]> {
  if (spec.sentinel !== undefined) {
    const file = join(dir, 'sentinel.conf');
    // Sentinel rewrites its file (what it learns); write it only the first time.
    const exists = await readFile(file, 'utf8').then(() => true, () => false);
    if (!exists) {
      await writeFile(file, `port ${port}\nbind 127.0.0.1\ndir ${dir}\nlogfile ${join(dir, 'redis.log')}\n${spec.sentinel}\n`);
    }
    return [file, '--sentinel'];
  }
  return [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--save', '',
    '--dir', dir,
    '--appendonly', spec.appendonly ? 'yes' : 'no',
    '--daemonize', 'no',
    '--logfile', join(dir, 'redis.log'),
    ...spec.args,
  ];
}

async function spawnServer(port: number, dir: string, spec: ServerSpec): Promise<ChildProcess> {
  const args = await argsFor(port, dir, spec);
  return new Promise((resolve, reject) => {
    // Logs go to a file and the child is unref'd, so a server never keeps a test run alive.
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    child.unref();
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(err);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      fail(
        err.code === 'ENOENT'
          ? new Error('redis-server is not installed (not found on PATH); install it, e.g. `apt-get install redis-server`')
          : err,
      );
    });
    child.once('exit', (code, signal) => {
      void logOf(dir).then((log) =>
        fail(new Error(`redis-server exited during startup (code ${code}, signal ${signal}):\n${log}`)),
      );
    });
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    const poll = async () => {
      while (!settled) {
        if (await pingOnce(port)) {
          if (settled) return;
          settled = true;
          child.removeAllListeners('exit');
          running.add(child);
          child.once('exit', () => running.delete(child));
          resolve(child);
          return;
        }
        if (Date.now() > deadline) {
          fail(new Error(`redis-server did not answer PING on port ${port}:\n${await logOf(dir)}`));
          return;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    void poll();
  });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    // Hold the event loop open until the server is gone, or the test process could end first.
    child.ref();
    // A server that does not stop in time (frozen, or asleep in DEBUG SLEEP) is killed.
    const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGCONT'); // a frozen (SIGSTOP) server could not act on SIGTERM
    child.kill('SIGTERM');
  });
}

export interface RedisServerOptions {
  appendonly?: boolean;
  args?: string[];
  sentinel?: string;
  /** Options that name further ports of the server (cluster-port, tls-port): given free ones. */
  argsWithPort?: (...extraPorts: number[]) => string[];
  /** How many ports `argsWithPort` gets (default 1). */
  extraPorts?: number;
}

export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisServer> {
  const appendonly = opts.appendonly ?? false;
  const dir = await mkdtemp(join(tmpdir(), 'dendrite-redis-'));
  let spec: ServerSpec = { appendonly, args: opts.args ?? [], sentinel: opts.sentinel };
  let port = 0;
  let child: ChildProcess | undefined;
  // The free port may be taken between probing and binding: try a few.
  for (let attempt = 1; !child; attempt++) {
    port = await freePort();
    if (opts.argsWithPort) {
      const extra: number[] = [];
      for (let i = 0; i < (opts.extraPorts ?? 1); i++) extra.push(await freePort());
      spec = { ...spec, args: [...(opts.args ?? []), ...opts.argsWithPort(...extra)] };
    }
    try {
      child = await spawnServer(port, dir, spec);
    } catch (err) {
      if (attempt >= 3 || !/in use/i.test((err as Error).message)) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  let current: ChildProcess = child;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    signal(signal) {
      if (current.exitCode === null && current.signalCode === null) current.kill(signal);
    },
    log: () => logOf(dir).then((text) => text.split('\n').slice(-40).join('\n')),
    async stop() {
      await kill(current);
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      await kill(current);
      current = await spawnServer(port, dir, spec);
    },
    async down() {
      await kill(current);
    },
    async up() {
      current = await spawnServer(port, dir, spec);
    },
  };
}
