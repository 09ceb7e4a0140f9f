/**
 * Listening and graceful shutdown. On SIGTERM (Knative scaling down) the server stops
 * accepting, lets in-flight events finish, then closes its clients.
 */
import type { Server } from 'node:http';
import type express from 'express';
import type { Logger } from 'pino';

export interface ServeOptions {
  port: number;
  log: Logger;
  /** Closes clients (Redis) after the last in-flight request. */
  close: () => Promise<void>;
  /** Longest wait for in-flight requests before closing anyway. */
  drainTimeoutMs?: number;
}

export function serve(app: express.Express, options: ServeOptions): Promise<Server> {
  const { log } = options;
  return new Promise((resolve, reject) => {
    const server = app.listen(options.port, () => {
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
