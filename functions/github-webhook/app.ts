/**
 * github-webhook: GitHub's webhook deliveries in, CloudEvents out. A delivery is taken only with
 * a valid `X-Hub-Signature-256` (HMAC-SHA256 of the body under the webhook's secret); `issues`
 * and `pull_request` deliveries become `dev.knative.source.github.issues` / `.pull_request` —
 * Knative's GitHub source types, so either producer feeds the same spawners — with GitHub's
 * delivery id as the event id (a redelivery is the same event). Neither the secret nor the
 * signature is ever logged.
 */
import express, { type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { TransientError } from '../../shared/errors.js';
import { newEvent, type Emit } from '../../shared/events/emit.js';
import { GITHUB_ISSUES, GITHUB_PULL_REQUEST } from '../../shared/events/types.js';
import type { Metrics } from '../../shared/metrics/metrics.js';
import { validSignature } from './signature.js';

export const FUNCTION_NAME = 'github-webhook';

export interface GitHubWebhookDeps {
  /** The webhook's secret; undefined while none is configured (then every delivery is refused). */
  secret: () => Promise<string | undefined>;
  emit: Emit;
  log: Logger;
  ready?: () => Promise<void>;
  metrics?: Metrics;
}

const header = (req: Request, name: string) => {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
};

export function createApp(deps: GitHubWebhookDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', function: FUNCTION_NAME });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await deps.ready?.();
      res.json({ status: 'ready', function: FUNCTION_NAME });
    } catch {
      res.status(503).json({ error: 'not ready' });
    }
  });
  app.get('/metrics', async (_req, res) => {
    if (!deps.metrics) return res.status(404).json({ error: 'no metrics' });
    res.set('Content-Type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  // GitHub caps a payload at 25 MB; issues and pull requests are far smaller.
  app.post('/', express.raw({ type: () => true, limit: '5mb' }), async (req: Request, res: Response) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const delivery = header(req, 'x-github-delivery');
    const kind = header(req, 'x-github-event');
    const log = deps.log.child({ delivery, githubEvent: kind });
    const secret = await deps.secret();
    if (!secret) {
      log.warn('no webhook secret is configured: delivery refused');
      return res.status(503).json({ error: 'no webhook secret is configured' });
    }
    const signature = header(req, 'x-hub-signature-256');
    if (!validSignature(secret, body, signature)) {
      log.warn({ signed: signature !== undefined }, 'delivery refused: bad or missing X-Hub-Signature-256');
      return res.status(401).json({ error: signature === undefined ? 'X-Hub-Signature-256 is missing' : 'X-Hub-Signature-256 does not match' });
    }
    if (kind === 'ping') return res.status(200).json({ ok: true });
    if (kind !== 'issues' && kind !== 'pull_request') return res.status(202).json({ ignored: kind ?? null });
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return res.status(400).json({ error: 'the payload is not JSON (set the webhook\'s content type to application/json)' });
    }
    const repository = payload.repository as { full_name?: unknown } | undefined;
    const item = (kind === 'issues' ? payload.issue : payload.pull_request) as { number?: unknown } | undefined;
    if (!delivery || typeof repository?.full_name !== 'string' || typeof item?.number !== 'number') {
      return res.status(400).json({ error: 'not a GitHub issues or pull_request delivery (X-GitHub-Delivery, repository, number)' });
    }
    const common = { source: `https://github.com/${repository.full_name}`, subject: String(item.number), id: delivery, data: payload };
    const event = kind === 'issues' ? newEvent({ type: GITHUB_ISSUES, ...common }) : newEvent({ type: GITHUB_PULL_REQUEST, ...common });
    try {
      await deps.emit(event);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'delivery not forwarded');
      // GitHub does not retry by itself; the spawner's listing picks the item up anyway.
      return res.status(err instanceof TransientError ? 503 : 502).json({ error: 'the delivery could not be forwarded' });
    }
    log.info({ repository: repository.full_name, number: item.number }, 'delivery forwarded');
    return res.status(202).json({ forwarded: event.type });
  });
  return app;
}
