/**
 * The dashboard's HTTP face, for all three commands that serve it (run --ui, serve, dashboard):
 * - `GET /ui/`: the page (built into dist/ui by `npm run build`; no CDN, works offline);
 * - `GET /api/tasks` (`?namespace=`): every Task as a TaskView;
 * - `GET /api/events`: Server-Sent Events — the Tasks as they are, then each change;
 * - `GET /api/tasks/:namespace/:name`: spec and Events; `…/log`: the agent's log tail
 *   (`podName: null` while no agent has run for it).
 * Every route only reads. `createDashboardApp` is the read-only server of `run --ui` and
 * `dashboard`; `dendrite serve` mounts the router beside its ingress.
 */
import express from 'express';
import type { Logger } from 'pino';
import { createGuard, type GuardOptions } from '../serve/guard.js';
import type { DashboardSource } from './source.js';

export interface DashboardRouterOptions {
  source: DashboardSource;
  /** dist/ui: the built page. */
  uiDir: string;
  log: Logger;
}

// The page builds every element from text (ui/src/dom.ts); the policy is the second line:
// nothing but the page's own script and style runs, whatever a Task's strings hold. Its one
// worker, the layout's, is named here rather than left to script-src's fallback.
const PAGE_POLICY = "default-src 'none'; script-src 'self'; worker-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
// A worker lives under the policy its own script came with: the layout worker imports
// layout.js and does nothing else — no requests, no workers of its own.
const LAYOUT_WORKER = '/layout-worker.js';
const WORKER_POLICY = "default-src 'none'; script-src 'self'; worker-src 'none'";

/** `/ui/`: the page's own files, which hold no data (so `dendrite serve` serves them before its token check). */
export function createDashboardPage(uiDir: string): express.Router {
  const router = express.Router();
  const page = express.static(uiDir, { index: 'index.html', fallthrough: false, redirect: true });
  router.use(
    '/ui',
    (req, res, next) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return next('router');
      res.set('Content-Security-Policy', req.path === LAYOUT_WORKER ? WORKER_POLICY : PAGE_POLICY);
      res.set('X-Content-Type-Options', 'nosniff');
      res.set('Referrer-Policy', 'no-referrer');
      next();
    },
    page,
  );
  return router;
}

/** The data API the page reads. */
export function createDashboardRouter(options: Omit<DashboardRouterOptions, 'uiDir'>): express.Router {
  const { source } = options;
  const router = express.Router();

  router.get('/api/tasks', (req, res) => {
    const namespace = req.query.namespace;
    const all = source.tasks();
    res.json(typeof namespace === 'string' && namespace !== '' ? all.filter((t) => t.namespace === namespace) : all);
  });
  router.get('/api/events', (req, res) => {
    source.stream.attach(req, res, source.tasks().map((data) => ({ event: 'task', data })));
  });
  /** A read of one Task from the source: 404 when there is no such Task, 502 when the source failed. */
  const readOne = (what: string, read: (namespace: string, name: string) => Promise<unknown>) =>
    async (req: express.Request<{ namespace: string; name: string }>, res: express.Response) => {
      const { namespace, name } = req.params;
      try {
        const found = await read(namespace, name);
        if (found === null) res.status(404).json({ error: `no Task ${namespace}/${name}` });
        else res.json(found);
      } catch (err) {
        options.log.warn({ err }, `dashboard: ${what} failed`);
        res.status(502).json({ error: `${what} failed: the source did not answer` });
      }
    };
  router.get('/api/tasks/:namespace/:name', readOne('reading the Task', (ns, name) => source.detail(ns, name)));
  router.get('/api/tasks/:namespace/:name/log', readOne('reading the log', (ns, name) => source.log(ns, name)));
  return router;
}

export interface DashboardAppOptions extends DashboardRouterOptions {
  guard: GuardOptions;
}

/** The read-only server: the router, `/` sending browsers to the page, and 405 for any other method. */
export function createDashboardApp(options: DashboardAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(createGuard(options.guard));
  app.use((req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    res.set('Allow', 'GET, HEAD');
    res.status(405).json({ error: `${req.method} is not allowed: the dashboard only reads` });
  });
  app.get('/', (_req, res) => res.redirect(302, '/ui/'));
  app.use(createDashboardPage(options.uiDir));
  app.use(createDashboardRouter(options));
  return app;
}
