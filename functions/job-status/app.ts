import { APISERVER_ADD, APISERVER_UPDATE, JOB_COMPLETED } from '../../shared/events/types.js';
import type { FlowDeps } from '../../shared/flow/deps.js';
import { createFunctionApp, type Handler, type HttpApp } from '../../shared/http/function-app.js';
import { createJobCompletedHandler, createJobEventHandler, type JobStatusOptions } from './handler.js';

export const FUNCTION_NAME = 'job-status';

/**
 * The event types this function takes, each with its handler (the Triggers must route exactly
 * these). A deleted Job tells nothing its last update did not, so deletes are not taken.
 */
export function createHandlers(deps: FlowDeps, options: JobStatusOptions): Record<string, Handler> {
  const onJob: Handler = createJobEventHandler(deps, options);
  return {
    [APISERVER_ADD]: onJob,
    [APISERVER_UPDATE]: onJob,
    [JOB_COMPLETED]: createJobCompletedHandler(deps),
  };
}

export function createApp(deps: FlowDeps, options: JobStatusOptions): HttpApp {
  return createFunctionApp({
    name: FUNCTION_NAME,
    handlers: createHandlers(deps, options),
    log: deps.log,
    ready: () => deps.store.ping(),
    metrics: deps.metrics,
  });
}
