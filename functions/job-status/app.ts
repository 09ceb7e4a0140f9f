import type express from 'express';
import { APISERVER_TYPES, JOB_COMPLETED } from '../../shared/events/types.js';
import type { FlowDeps } from '../../shared/flow/deps.js';
import { createFunctionApp, type Handler } from '../../shared/http/function-app.js';
import { createJobCompletedHandler, createJobEventHandler, type JobStatusOptions } from './handler.js';

export const FUNCTION_NAME = 'job-status';

export function createApp(deps: FlowDeps, options: JobStatusOptions): express.Express {
  const onJob: Handler = createJobEventHandler(deps, options);
  const handlers: Record<string, Handler> = Object.fromEntries(APISERVER_TYPES.map((type) => [type, onJob]));
  handlers[JOB_COMPLETED] = createJobCompletedHandler(deps);
  return createFunctionApp({ name: FUNCTION_NAME, handlers, log: deps.log, ready: () => deps.store.ping() });
}
