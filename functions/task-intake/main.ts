import { startFunction } from '../../shared/runtime/start.js';

// The name is FUNCTION_NAME of app.ts, written out: app.ts loads after the server listens.
await startFunction('task-intake', async () => {
  const { createApp } = await import('./app.js');
  return (deps) => createApp(deps);
});
