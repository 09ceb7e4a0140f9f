/**
 * The few routes a function serves, looked up by method and path in one map. express (its
 * router and body parser) was about a third of job-status's CPU per event and 0.8 MB of each
 * function's bundle, for four fixed paths (bench/RESULTS.md "Against a bare server").
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { sendJson } from './respond.js';

/** What node:http calls; an express app can mount it as middleware too. */
export type HttpApp = (req: IncomingMessage, res: ServerResponse) => void;

export type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Keys are `METHOD /path`; HEAD is served by a GET route (node sends no body for HEAD). */
export type RouteTable = Record<string, Route>;

function pathOf(url: string | undefined): string {
  const path = url ?? '/';
  const query = path.indexOf('?');
  return query < 0 ? path : path.slice(0, query);
}

export function routes(table: RouteTable, log: Logger): HttpApp {
  const byKey = new Map(Object.entries(table));
  const methodsByPath = new Map<string, string[]>();
  for (const key of byKey.keys()) {
    const [method, path] = key.split(' ', 2) as [string, string];
    methodsByPath.set(path, [...(methodsByPath.get(path) ?? []), method]);
  }
  return (req, res) => {
    const path = pathOf(req.url);
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const route = byKey.get(`${method} ${path}`);
    if (!route) {
      const allowed = methodsByPath.get(path);
      if (allowed) return sendJson(res, 405, { error: `${req.method} is not served on ${path}: use ${allowed.join(', ')}` }, { Allow: allowed.join(', ') });
      return sendJson(res, 404, { error: `nothing is served on ${path}` });
    }
    // A route answers its own errors; this only keeps a bug from leaving a request hanging.
    Promise.resolve()
      .then(() => route(req, res))
      .catch((err: unknown) => {
        log.error({ err }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      });
  };
}
