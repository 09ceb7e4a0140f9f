/**
 * A private redis-server for tests: free loopback port, its own temp dir, nothing saved unless
 * asked (`appendonly` turns on AOF so a restart keeps the data).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface RedisServer {
  port: number;
  url: string;
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

/** One PING over a raw socket: true when the server answers +PONG. */
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
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

async function logOf(dir: string): Promise<string> {
  return readFile(join(dir, 'redis.log'), 'utf8').catch(() => '(no log)');
}

function spawnServer(port: number, dir: string, appendonly: boolean): Promise<ChildProcess> {
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--save', '',
    '--dir', dir,
    '--appendonly', appendonly ? 'yes' : 'no',
    '--daemonize', 'no',
    '--logfile', join(dir, 'redis.log'),
  ];
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
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export async function startRedisServer(opts: { appendonly?: boolean } = {}): Promise<RedisServer> {
  const appendonly = opts.appendonly ?? false;
  const dir = await mkdtemp(join(tmpdir(), 'dendrite-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  // The free port may be taken between probing and binding: try a few.
  for (let attempt = 1; !child; attempt++) {
    port = await freePort();
    try {
      child = await spawnServer(port, dir, appendonly);
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
    async stop() {
      await kill(current);
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      await kill(current);
      current = await spawnServer(port, dir, appendonly);
    },
    async down() {
      await kill(current);
    },
    async up() {
      current = await spawnServer(port, dir, appendonly);
    },
  };
}
