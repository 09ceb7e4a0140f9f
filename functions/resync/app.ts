import type { FlowDeps } from '../../shared/flow/deps.js';
import { createFunctionApp, type Handler, type HttpApp } from '../../shared/http/function-app.js';
import type { ResyncOptions } from '../../shared/resync/config.js';
import { createResyncMetrics } from '../../shared/resync/metrics.js';
import { newResyncState } from '../../shared/resync/plan.js';
import type { ResyncDeps } from '../../shared/resync/resync.js';
import { createResyncHandler } from './handler.js';

export const FUNCTION_NAME = 'resync';

/** What a PingSource sends (type fixed by Knative). */
export const PING_EVENT = 'dev.knative.sources.ping';

/** The event types this function takes, each with its handler (the Triggers must route exactly these). */
export function createHandlers(deps: ResyncDeps, options: ResyncOptions): Record<string, Handler> {
  return { [PING_EVENT]: createResyncHandler(deps, options, newResyncState()) };
}

export function createApp(deps: FlowDeps, options: ResyncOptions): HttpApp {
  const resyncDeps: ResyncDeps = { ...deps, resyncMetrics: deps.metrics ? createResyncMetrics(deps.metrics.registry) : undefined };
  return createFunctionApp({
    name: FUNCTION_NAME,
    handlers: createHandlers(resyncDeps, options),
    log: deps.log,
    ready: () => deps.store.ping(),
    metrics: deps.metrics,
  });
}
