import { startFunction } from '../../shared/runtime/start.js';

/** The render process's script, beside this one in the build (and in the bundle). */
const RENDER_PROCESS = { renderEntry: new URL('../../shared/template/isolated/child.js', import.meta.url) };

// The name is FUNCTION_NAME of app.ts, written out: app.ts loads after the server listens.
await startFunction('launcher', async () => {
  const [{ createApp }, { DEFAULT_JOB_CONFIG }] = await Promise.all([import('./app.js'), import('../../shared/job/build.js')]);
  return (deps, config) =>
    createApp(deps, {
      images: { ...DEFAULT_JOB_CONFIG.images, ...config.images },
      backoffLimit: config.backoffLimit ?? DEFAULT_JOB_CONFIG.backoffLimit,
      gitImage: config.gitImage ?? DEFAULT_JOB_CONFIG.gitImage,
    });
}, RENDER_PROCESS);
