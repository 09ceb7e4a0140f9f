/** Liveness, readiness and metrics: the routes every function serves beside its events. */
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/metrics.js';
import { sendBody, sendJson } from './respond.js';
import type { RouteTable } from './routes.js';

export interface HealthOptions {
  name: string;
  log: Logger;
  /** Readiness check (e.g. Redis PING); throwing means not ready. */
  ready?: () => Promise<void>;
  metrics?: Metrics;
}

export function healthRoutes({ name, log, ready, metrics }: HealthOptions): RouteTable {
  return {
    'GET /healthz': (_req, res) => sendJson(res, 200, { status: 'ok', function: name }),
    'GET /readyz': async (_req, res) => {
      try {
        await ready?.();
        sendJson(res, 200, { status: 'ready', function: name });
      } catch (err) {
        log.warn({ err }, 'not ready');
        sendJson(res, 503, { error: 'not ready' });
      }
    },
    'GET /metrics': async (_req, res) => {
      if (!metrics) return sendJson(res, 404, { error: 'no metrics' });
      sendBody(res, 200, await metrics.registry.metrics(), { 'Content-Type': metrics.registry.contentType });
    },
  };
}
