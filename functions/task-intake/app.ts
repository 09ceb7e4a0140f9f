import type express from 'express';
import { APISERVER_TYPES } from '../../shared/events/types.js';
import type { FlowDeps } from '../../shared/flow/deps.js';
import { createFunctionApp, type Handler } from '../../shared/http/function-app.js';
import { createTaskIntakeHandler } from './handler.js';

export const FUNCTION_NAME = 'task-intake';

export function createApp(deps: FlowDeps): express.Express {
  const handle: Handler = createTaskIntakeHandler(deps);
  const handlers = Object.fromEntries(APISERVER_TYPES.map((type) => [type, handle]));
  return createFunctionApp({ name: FUNCTION_NAME, handlers, log: deps.log, ready: () => deps.store.ping() });
}
