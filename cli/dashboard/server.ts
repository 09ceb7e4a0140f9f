/**
 * The read-only dashboard server of `dendrite run --ui` and `dendrite dashboard`: bound to
 * loopback (like `kubectl proxy`), answering only requests whose Host names loopback (no DNS
 * rebinding), and only GETs.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { listenLocal, type LocalServer } from '../../shared/local/listen.js';
import { loopbackHosts } from '../serve/guard.js';
import { createDashboardApp, type DashboardRouterOptions } from './app.js';

/** The page is missing or the port cannot be had: the command says so and exits 2. */
export class DashboardServerError extends Error {
  override readonly name = 'DashboardServerError';
}

export interface DashboardServer extends LocalServer {
  /** Where a browser opens the page. */
  pageUrl: string;
}

export async function startDashboardServer(options: DashboardRouterOptions & { port: number }): Promise<DashboardServer> {
  if (!existsSync(join(options.uiDir, 'index.html'))) {
    throw new DashboardServerError(`the dashboard page is not built (${options.uiDir} has no index.html): run npm run build`);
  }
  const host = '127.0.0.1';
  let port = 0;
  const app = createDashboardApp({ ...options, guard: { hosts: () => loopbackHosts(host, port) } });
  try {
    const server = await listenLocal(app, { host, port: options.port });
    port = server.port;
    return { ...server, pageUrl: `${server.url}ui/` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DashboardServerError(
      code === 'EADDRINUSE' ? `port ${options.port} is in use: choose another (0 picks a free one)` : `cannot listen on ${host}:${options.port}: ${(err as Error).message}`,
    );
  }
}
