/**
 * A function's real entry point (dist/functions/<name>/main.js) as a child process, with a
 * fake API server behind a kubeconfig and the environment a test gives it (its Redis shape):
 * for checking what start-up and readiness do with each way of reaching Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeApiServer, type FakeApiServer } from './fake-apiserver.js';
import { freePort } from './ports.js';

export interface FunctionProcess {
  port: number;
  /** Status of GET /readyz (0 when nothing answers). */
  readyz(): Promise<number>;
  output(): string;
  stop(): Promise<void>;
}

function status(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path, agent: false, timeout: 3_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', () => resolve(0));
  });
}

export async function startFunctionProcess(fn: string, env: Record<string, string>): Promise<FunctionProcess> {
  const api: FakeApiServer = await startFakeApiServer();
  const dir = await mkdtemp(join(tmpdir(), 'dendrite-fn-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters: [{ name: fake, cluster: { server: "${api.url}", insecure-skip-tls-verify: true } }]\n` +
      'users: [{ name: fake, user: { token: fake } }]\ncontexts: [{ name: fake, context: { cluster: fake, user: fake, namespace: default } }]\n' +
      'current-context: fake\n',
  );
  const port = await freePort();
  const script = fileURLToPath(new URL(`../../functions/${fn}/main.js`, import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', HOME: dir, PORT: String(port), K_SINK: 'http://127.0.0.1:9/', KUBECONFIG: kubeconfig, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    port,
    readyz: () => status(port, '/readyz'),
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        });
      }
      await api.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
