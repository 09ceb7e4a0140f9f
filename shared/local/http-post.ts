/**
 * The local broker's HTTP client: node:http over keep-alive connections, at most `maxSockets`
 * per subscriber. (fetch costs about twice the CPU per delivery, which a 10,000-wide run
 * feels.)
 */
import { Agent, request } from 'node:http';

export interface PostAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface Poster {
  /** Rejects on a network error or after `timeoutMs` without an answer. */
  post(headers: Record<string, string>, body: string | Uint8Array, timeoutMs: number): Promise<PostAnswer>;
  /** Ends every connection; requests in flight reject. */
  close(): void;
}

export function createPoster(url: string, maxSockets: number): Poster {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets });
  return {
    post(headers, body, timeoutMs) {
      return new Promise<PostAnswer>((resolve, reject) => {
        const req = request(
          {
            agent,
            host: target.hostname,
            port: target.port,
            path: target.pathname,
            method: 'POST',
            headers: { ...headers, 'content-length': Buffer.byteLength(body) },
            timeout: timeoutMs,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
              const answer: Record<string, string> = {};
              for (const [name, value] of Object.entries(res.headers)) {
                if (value !== undefined) answer[name] = Array.isArray(value) ? value.join(', ') : value;
              }
              resolve({ status: res.statusCode ?? 0, headers: answer, body: Buffer.concat(chunks) });
            });
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}
