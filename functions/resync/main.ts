import { podNamespace } from '../../shared/runtime/pod-namespace.js';
import { startFunction } from '../../shared/runtime/start.js';

/** The render process's script, beside this one in the build (and in the bundle). */
const RENDER_PROCESS = { renderEntry: new URL('../../shared/template/isolated/child.js', import.meta.url) };

// The name is FUNCTION_NAME of app.ts, written out: app.ts loads after the server listens.
// Not awaited at the top level (the image runs a CommonJS bundle): a failure to start is an
// unhandled rejection, which ends the process with its error, as an awaited one would.
void startFunction('resync', async () => {
  const [{ createApp }, { readResyncOptions }] = await Promise.all([import('./app.js'), import('../../shared/resync/config.js')]);
  const options = readResyncOptions(process.env, podNamespace());
  return (deps, config) => createApp(deps, { ...options, logTailBytes: config.logTailBytes });
}, RENDER_PROCESS);
