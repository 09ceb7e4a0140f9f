import { startFunction } from '../../shared/runtime/start.js';

// The name is FUNCTION_NAME of app.ts, written out: app.ts loads after the server listens.
await startFunction('launcher', async () => {
  const [{ createApp }, { DEFAULT_JOB_CONFIG }] = await Promise.all([import('./app.js'), import('../../shared/job/build.js')]);
  return (deps, config) =>
    createApp(deps, {
      images: { ...DEFAULT_JOB_CONFIG.images, ...config.images },
      backoffLimit: config.backoffLimit ?? DEFAULT_JOB_CONFIG.backoffLimit,
    });
});
