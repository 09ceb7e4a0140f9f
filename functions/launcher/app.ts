import type express from 'express';
import { TASK_READY } from '../../shared/events/types.js';
import type { FlowDeps } from '../../shared/flow/deps.js';
import { createFunctionApp } from '../../shared/http/function-app.js';
import type { JobConfig } from '../../shared/job/build.js';
import { createLauncherHandler } from './handler.js';

export const FUNCTION_NAME = 'launcher';

export function createApp(deps: FlowDeps, jobConfig: JobConfig): express.Express {
  const handlers = { [TASK_READY]: createLauncherHandler(deps, jobConfig) };
  return createFunctionApp({ name: FUNCTION_NAME, handlers, log: deps.log, ready: () => deps.store.ping() });
}
