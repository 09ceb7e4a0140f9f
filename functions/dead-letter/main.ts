import { startStandalone } from '../../shared/runtime/start.js';
import { createApp, FUNCTION_NAME } from './app.js';

await startStandalone(FUNCTION_NAME, ({ log, metrics }) => createApp({ log, metrics }));
