import { startFunction } from '../../shared/runtime/start.js';

/** The render process's script, beside this one in the build (started like every function's, unused here). */
const RENDER_PROCESS = { renderEntry: new URL('../../shared/template/isolated/child.js', import.meta.url) };

// The name is FUNCTION_NAME of app.ts, written out: app.ts loads after the server listens.
// Not awaited at the top level (the image runs a CommonJS bundle): a failure to start is an
// unhandled rejection, which ends the process with its error, as an awaited one would.
void startFunction('github-webhook', async () => {
  const [{ createApp }, { mountedTokenFor }] = await Promise.all([import('./app.js'), import('../../shared/spawner/github-token.js')]);
  // The Secret dendrite-github's key webhook-secret, mounted as a file (knative/github.yaml).
  const secret = mountedTokenFor(process.env.DENDRITE_GITHUB_WEBHOOK_SECRET_FILE || '/var/run/secrets/dendrite/github/webhook-secret');
  return (deps) => createApp({ secret, emit: deps.emit, log: deps.log, ready: () => deps.store.ping(), metrics: deps.metrics });
}, RENDER_PROCESS);
