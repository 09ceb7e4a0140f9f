import { startStandalone } from '../../shared/runtime/start.js';

// The name is FUNCTION_NAME of app.ts, written out: app.ts loads after the server listens.
await startStandalone('dead-letter', async () => {
  const { createApp } = await import('./app.js');
  return ({ log, metrics }) => createApp({ log, metrics });
});
