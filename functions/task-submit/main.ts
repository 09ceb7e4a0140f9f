import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { podNamespace } from '../../shared/runtime/pod-namespace.js';
import { startFunction } from '../../shared/runtime/start.js';

/** The render process's script, beside this one in the build (and in the bundle). */
const RENDER_PROCESS = { renderEntry: new URL('../../shared/template/isolated/child.js', import.meta.url) };
/** The Task validator scripts/bundle.mjs generates beside the bundle; the tsc output has none. */
const GENERATED_SCHEMA = fileURLToPath(new URL('./task-schema.cjs', import.meta.url));

// The name is FUNCTION_NAME of app.ts, written out: app.ts loads after the server listens.
// Not awaited at the top level (the image runs a CommonJS bundle): a failure to start is an
// unhandled rejection, which ends the process with its error, as an awaited one would.
void startFunction('task-submit', async () => {
  const [{ createApp }, { chooseTaskSchema }] = await Promise.all([import('./app.js'), import('../../shared/task/precompiled-schema.js')]);
  const namespaces = (process.env.DENDRITE_SUBMIT_NAMESPACES ?? podNamespace() ?? 'default').split(',').map((n) => n.trim()).filter(Boolean);
  // The image's working directory holds crds/ (the Dockerfile copies it beside dist/).
  const crdFile = process.env.DENDRITE_TASK_CRD || join(process.cwd(), 'crds/task.yaml');
  const schema = await chooseTaskSchema(crdFile, GENERATED_SCHEMA);
  return (deps) => {
    if (schema.origin === 'precompiled') deps.log.info({ taskSchema: schema.origin, crd: crdFile }, 'Task schema: generated at build time');
    else deps.log.info({ taskSchema: schema.origin, crd: crdFile, reason: schema.reason }, 'Task schema: compiled at start');
    return createApp(deps, { namespaces, schema: schema.validate });
  };
}, RENDER_PROCESS);
