import { TASK_SUBMIT } from '../../shared/events/types.js';
import type { FlowDeps } from '../../shared/flow/deps.js';
import { createFunctionApp, type Handler, type HttpApp } from '../../shared/http/function-app.js';
import { createTaskSubmitHandler, type TaskSubmitOptions } from './handler.js';

export const FUNCTION_NAME = 'task-submit';

/** The event types this function takes, each with its handler (the Triggers must route exactly these). */
export function createHandlers(deps: FlowDeps, options: TaskSubmitOptions): Record<string, Handler> {
  return { [TASK_SUBMIT]: createTaskSubmitHandler(deps, options) };
}

export function createApp(deps: FlowDeps, options: TaskSubmitOptions): HttpApp {
  return createFunctionApp({
    name: FUNCTION_NAME,
    handlers: createHandlers(deps, options),
    log: deps.log,
    ready: () => deps.store.ping(),
    metrics: deps.metrics,
  });
}
