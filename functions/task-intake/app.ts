import type express from 'express';
import { APISERVER_TYPES } from '../../shared/events/types.js';
import type { FlowDeps } from '../../shared/flow/deps.js';
import { createFunctionApp, type Handler } from '../../shared/http/function-app.js';
import { createTaskIntakeHandler } from './handler.js';

export const FUNCTION_NAME = 'task-intake';

/** The event types this function takes, each with its handler (the Triggers must route exactly these). */
export function createHandlers(deps: FlowDeps): Record<string, Handler> {
  const handle: Handler = createTaskIntakeHandler(deps);
  return Object.fromEntries(APISERVER_TYPES.map((type) => [type, handle]));
}

export function createApp(deps: FlowDeps): express.Express {
  return createFunctionApp({
    name: FUNCTION_NAME,
    handlers: createHandlers(deps),
    log: deps.log,
    ready: () => deps.store.ping(),
    metrics: deps.metrics,
  });
}
