/** Serving an app (a function's, or an express app) on loopback: a function as the local broker's subscriber, or `dendrite serve`. */
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port chosen by the OS. */
  port?: number;
}

export function listenLocal(app: RequestListener, options: ListenOptions = {}): Promise<LocalServer> {
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    // A plain http.Server: express 5's app.listen also calls its callback on a listen error.
    const server = createServer(app);
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      const { port } = server.address() as AddressInfo;
      const urlHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${urlHost}:${port}/`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
