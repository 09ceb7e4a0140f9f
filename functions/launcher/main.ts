import { DEFAULT_JOB_CONFIG } from '../../shared/job/build.js';
import { startFunction } from '../../shared/runtime/start.js';
import { createApp, FUNCTION_NAME } from './app.js';

await startFunction(FUNCTION_NAME, (deps, config) =>
  createApp(deps, {
    images: { ...DEFAULT_JOB_CONFIG.images, ...config.images },
    backoffLimit: config.backoffLimit ?? DEFAULT_JOB_CONFIG.backoffLimit,
  }),
);
