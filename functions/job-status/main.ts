import { startFunction } from '../../shared/runtime/start.js';

/** The render process's script, beside this one in the build (and in the bundle). */
const RENDER_PROCESS = { renderEntry: new URL('../../shared/template/isolated/child.js', import.meta.url) };

// The name is FUNCTION_NAME of app.ts, written out: app.ts loads after the server listens.
// Not awaited at the top level (the image runs a CommonJS bundle): a failure to start is an
// unhandled rejection, which ends the process with its error, as an awaited one would.
void startFunction('job-status', async () => {
  const { createApp } = await import('./app.js');
  return (deps, config) => createApp(deps, { logTailBytes: config.logTailBytes });
}, RENDER_PROCESS);
