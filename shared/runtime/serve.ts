/**
 * Listening and graceful shutdown. The server listens before the app exists: a cold start
 * answers liveness (/healthz) within a few tens of milliseconds, while the app and its clients
 * (client-node alone takes ~0.5 s to import) load behind it. Until the app is there, /readyz
 * answers 503 (so Knative routes nothing yet) and any other request waits for it.
 * On SIGTERM (Knative scaling down) the server stops accepting, lets in-flight events finish,
 * then closes its clients.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { sendJson } from '../http/respond.js';

export interface ServeOptions {
  port: number;
  log: Logger;
  /** Named in the health answers, as the app names itself. */
  functionName: string;
  /** Closes clients (Redis) after the last in-flight request. */
  close: () => Promise<void>;
  /** Longest wait for in-flight requests before closing anyway. */
  drainTimeoutMs?: number;
}

/** Answers for the time before the app is loaded; everything else waits for the app. */
function startingListener(app: Promise<RequestListener>, functionName: string): RequestListener {
  let loaded: RequestListener | undefined;
  app.then((listener) => (loaded = listener)).catch(() => undefined);
  return (req: IncomingMessage, res: ServerResponse) => {
    if (loaded) return loaded(req, res);
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method === 'GET' && path === '/healthz') return sendJson(res, 200, { status: 'ok', function: functionName });
    if (req.method === 'GET' && path === '/readyz') return sendJson(res, 503, { error: 'starting' });
    app.then(
      (listener) => listener(req, res),
      () => sendJson(res, 503, { error: 'not ready' }),
    );
  };
}

export function serve(app: Promise<RequestListener>, options: ServeOptions): Promise<Server> {
  const { log } = options;
  return new Promise((resolve, reject) => {
    const server = createServer(startingListener(app, options.functionName));
    server.listen(options.port, () => {
      log.info({ port: options.port }, 'listening');
      resolve(server);
    });
    server.once('error', reject);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down: draining in-flight events');
      const force = setTimeout(() => server.closeAllConnections(), options.drainTimeoutMs ?? 25_000);
      force.unref();
      server.close(() => {
        server.closeIdleConnections();
        options
          .close()
          .catch((err: unknown) => log.warn({ err }, 'error while closing clients'))
          .finally(() => {
            log.info('stopped');
            process.exitCode = 0;
          });
      });
      // Keep-alive connections would hold close() open until they time out.
      server.closeIdleConnections();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
