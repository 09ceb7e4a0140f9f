import { startStandalone } from '../../shared/runtime/start.js';

// The name is FUNCTION_NAME of app.ts, written out: app.ts loads after the server listens.
// Not awaited at the top level (the image runs a CommonJS bundle): a failure to start is an
// unhandled rejection, which ends the process with its error, as an awaited one would.
void startStandalone('dead-letter', async () => {
  const { createApp } = await import('./app.js');
  return ({ log, metrics }) => createApp({ log, metrics });
});
