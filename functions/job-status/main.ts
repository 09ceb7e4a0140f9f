import { startFunction } from '../../shared/runtime/start.js';

// The name is FUNCTION_NAME of app.ts, written out: app.ts loads after the server listens.
await startFunction('job-status', async () => {
  const { createApp } = await import('./app.js');
  return (deps, config) => createApp(deps, { logTailBytes: config.logTailBytes });
});
