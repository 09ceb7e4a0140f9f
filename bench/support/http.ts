/**
 * Posting CloudEvents (binary mode) over keep-alive HTTP with node:http: the cheapest client,
 * so that what is measured is mostly the server.
 */
import { Agent, request } from 'node:http';
import { HTTP, type CloudEvent } from 'cloudevents';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface Poster {
  post(event: CloudEvent<unknown>, extraHeaders?: Record<string, string>): Promise<Answer>;
  close(): void;
}

export function createPoster(url: string, maxSockets = 64): Poster {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const target = new URL(url);
  return {
    post(event, extraHeaders = {}) {
      const message = HTTP.binary(event);
      const body = message.body as string;
      return new Promise<Answer>((resolve, reject) => {
        const req = request(
          {
            agent,
            host: target.hostname,
            port: target.port,
            path: target.pathname,
            method: 'POST',
            headers: { ...(message.headers as Record<string, string>), ...extraHeaders, 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
              const headers: Record<string, string> = {};
              for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') headers[name] = value;
              resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
            });
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}
