/**
 * A stand-in for Knative's activator in front of one function: requests go through it to the
 * function's process; when the function is scaled to zero, the first request spawns it (the
 * shipped entry point, `node dist/bundle/start.cjs <name>`) and is held until /readyz answers
 * 200, as the activator holds requests until a pod is ready. Used by the hand-off benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, get, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../test/support/ports.js';

export interface Activator {
  readonly url: string;
  /** Starts the function now (warm) and resolves when it is ready. */
  warm(): Promise<void>;
  /** Stops the function: the next request cold-starts it. */
  scaleToZero(): Promise<void>;
  /** Cold starts so far. */
  readonly coldStarts: number;
  close(): Promise<void>;
}

function readyz(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/readyz', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
  });
}

export async function startActivator(command: { script: string; args: string[]; env: Record<string, string> }): Promise<Activator> {
  let child: ChildProcess | undefined;
  let port = 0;
  let starting: Promise<void> | undefined;
  let coldStarts = 0;

  async function start(): Promise<void> {
    port = await freePort();
    const proc = spawn(process.execPath, [command.script, ...command.args], {
      env: { PATH: process.env.PATH ?? '', ...command.env, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child = proc;
    proc.once('exit', () => {
      if (child === proc) child = undefined;
    });
    const deadline = performance.now() + 30_000;
    while ((await readyz(port)) !== 200) {
      if (child !== proc || performance.now() > deadline) throw new Error(`${command.args.join(' ')}: not ready`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** Resolves once the function runs; `counted`: a start caused by a request (a cold start). */
  function running(counted: boolean): Promise<void> {
    if (child && !starting) return Promise.resolve();
    if (!starting) {
      if (counted) coldStarts++;
      starting = start().finally(() => (starting = undefined));
    }
    return starting;
  }

  function proxy(req: IncomingMessage, res: ServerResponse): void {
    running(true).then(
      () => {
        const upstream = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.on('error', () => res.headersSent || res.writeHead(502).end());
        req.pipe(upstream);
      },
      () => res.writeHead(503).end(),
    );
  }

  const server: Server = createServer(proxy);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  async function stop(): Promise<void> {
    const proc = child;
    if (!proc) return;
    child = undefined;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }

  return {
    url,
    warm: () => running(false),
    scaleToZero: stop,
    get coldStarts() {
      return coldStarts;
    },
    close: async () => {
      await stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
