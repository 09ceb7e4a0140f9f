import { startFunction } from '../../shared/runtime/start.js';
import { createApp, FUNCTION_NAME } from './app.js';

await startFunction(FUNCTION_NAME, (deps, config) => createApp(deps, { logTailBytes: config.logTailBytes }));
