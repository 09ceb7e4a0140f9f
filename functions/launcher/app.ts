import { TASK_READY } from '../../shared/events/types.js';
import type { FlowDeps } from '../../shared/flow/deps.js';
import { createFunctionApp, type Handler, type HttpApp } from '../../shared/http/function-app.js';
import type { JobConfig } from '../../shared/job/build.js';
import { createLauncherHandler } from './handler.js';

export const FUNCTION_NAME = 'launcher';

/** The event types this function takes, each with its handler (the Triggers must route exactly these). */
export function createHandlers(deps: FlowDeps, jobConfig: JobConfig): Record<string, Handler> {
  return { [TASK_READY]: createLauncherHandler(deps, jobConfig) };
}

export function createApp(deps: FlowDeps, jobConfig: JobConfig): HttpApp {
  return createFunctionApp({
    name: FUNCTION_NAME,
    handlers: createHandlers(deps, jobConfig),
    log: deps.log,
    ready: () => deps.store.ping(),
    metrics: deps.metrics,
  });
}
