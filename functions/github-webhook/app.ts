/**
 * github-webhook: GitHub's webhook deliveries in, CloudEvents out. A delivery is taken only with
 * a valid `X-Hub-Signature-256` (HMAC-SHA256 of the body under the webhook's secret); `issues`
 * and `pull_request` deliveries become `dev.knative.source.github.issues` / `.pull_request` —
 * Knative's GitHub source types, so either producer feeds the same spawners — with GitHub's
 * delivery id as the event id (a redelivery is the same event). Neither the secret nor the
 * signature is ever logged.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { TransientError } from '../../shared/errors.js';
import { newEvent, type Emit } from '../../shared/events/emit.js';
import { BodyError, readBody } from '../../shared/http/body.js';
import { healthRoutes } from '../../shared/http/health.js';
import { sendJson } from '../../shared/http/respond.js';
import { routes, type HttpApp } from '../../shared/http/routes.js';
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

const header = (req: IncomingMessage, name: string) => {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
};

// GitHub caps a payload at 25 MB; issues and pull requests are far smaller.
const BODY_LIMIT_BYTES = 5 * 1024 * 1024;

export function createApp(deps: GitHubWebhookDeps): HttpApp {
  const receive = async (req: IncomingMessage, res: ServerResponse) => {
    let body: Buffer;
    try {
      body = await readBody(req, BODY_LIMIT_BYTES);
    } catch (err) {
      if (!(err instanceof BodyError)) throw err;
      return sendJson(res, err.status, { error: err.message }, { Connection: 'close' });
    }
    const delivery = header(req, 'x-github-delivery');
    const kind = header(req, 'x-github-event');
    const log = deps.log.child({ delivery, githubEvent: kind });
    const secret = await deps.secret();
    if (!secret) {
      log.warn('no webhook secret is configured: delivery refused');
      return sendJson(res, 503, { error: 'no webhook secret is configured' });
    }
    const signature = header(req, 'x-hub-signature-256');
    if (!validSignature(secret, body, signature)) {
      log.warn({ signed: signature !== undefined }, 'delivery refused: bad or missing X-Hub-Signature-256');
      return sendJson(res, 401, { error: signature === undefined ? 'X-Hub-Signature-256 is missing' : 'X-Hub-Signature-256 does not match' });
    }
    if (kind === 'ping') return sendJson(res, 200, { ok: true });
    if (kind !== 'issues' && kind !== 'pull_request') return sendJson(res, 202, { ignored: kind ?? null });
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, { error: 'the payload is not JSON (set the webhook\'s content type to application/json)' });
    }
    const repository = payload.repository as { full_name?: unknown } | undefined;
    const item = (kind === 'issues' ? payload.issue : payload.pull_request) as { number?: unknown } | undefined;
    if (!delivery || typeof repository?.full_name !== 'string' || typeof item?.number !== 'number') {
      return sendJson(res, 400, { error: 'not a GitHub issues or pull_request delivery (X-GitHub-Delivery, repository, number)' });
    }
    const common = { source: `https://github.com/${repository.full_name}`, subject: String(item.number), id: delivery, data: payload };
    const event = kind === 'issues' ? newEvent({ type: GITHUB_ISSUES, ...common }) : newEvent({ type: GITHUB_PULL_REQUEST, ...common });
    try {
      await deps.emit(event);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'delivery not forwarded');
      // GitHub does not retry by itself; the spawner's listing picks the item up anyway.
      return sendJson(res, err instanceof TransientError ? 503 : 502, { error: 'the delivery could not be forwarded' });
    }
    log.info({ repository: repository.full_name, number: item.number }, 'delivery forwarded');
    return sendJson(res, 202, { forwarded: event.type });
  };
  return routes({ ...healthRoutes({ name: FUNCTION_NAME, log: deps.log, ready: deps.ready, metrics: deps.metrics }), 'POST /': receive }, deps.log);
}
