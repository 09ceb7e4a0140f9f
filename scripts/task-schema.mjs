// The Task validator task-submit's bundle checks submissions with (see
// shared/task/precompiled-schema.ts): ajv's standalone code for a Task CRD
// (shared/task/standalone-schema.ts), bundled by esbuild with ajv's runtime helpers and
// shared/task/crd-formats.ts into one CommonJS file that loads no package. Used by
// scripts/bundle.mjs, and by the tests that hold it to the validator compiled at run time.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TASK_DIR = fileURLToPath(new URL('../shared/task/', import.meta.url));

/** Writes `outfile` from the CRD in `crdFile`; it exports `validate` and `crdSha256`. */
export async function buildTaskSchema({ crdFile, outfile }) {
  const scratch = mkdtempSync(join(tmpdir(), 'dendrite-task-schema-'));
  try {
    // The generator is TypeScript: bundled whole (ajv, yaml) to run here, from any checkout.
    const generator = join(scratch, 'generate.cjs');
    await build({ entryPoints: [join(TASK_DIR, 'standalone-schema.ts')], outfile: generator, bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
    const { standaloneSchemaModule } = createRequire(import.meta.url)(generator);
    await build({
      // Its requires (ajv's helpers, ./crd-formats.js) are relative to the generator's directory.
      stdin: { contents: standaloneSchemaModule(readFileSync(crdFile, 'utf8'), crdFile), resolveDir: TASK_DIR, sourcefile: 'task-schema.mjs', loader: 'js' },
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      legalComments: 'none',
      logLevel: 'warning',
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
