#!/usr/bin/env node
// `npm run bundle`: what the image runs (see the Dockerfile), built with esbuild into dist/bundle/:
//   functions/<name>/main.cjs   each function in one CommonJS script, already wrapped as a module
//                               function (no copy of 5 MB of source at start), loaded by
//   start.cjs                   `node dist/bundle/start.cjs <name>` (shared/runtime/code-cache-start.ts)
//                               with the V8 code cache
//   functions/<name>/main.cjs.cache   written here by running each function until its modules are
//                               loaded (no Redis or API server needed)
//   functions/task-submit/task-schema.cjs  the Task validator generated from crds/task.yaml
//                               (scripts/task-schema.mjs), so task-submit does not compile it at start
//   shared/template/isolated/child.js the render process (ESM; nunjucks stays a package)
// Measured: see bench/RESULTS.md "Cold start".
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTaskSchema } from './task-schema.mjs';

const OUT = 'dist/bundle';
const FUNCTIONS = readdirSync('functions').filter((f) => statSync(join('functions', f, 'main.ts'), { throwIfNoEntry: false })?.isFile());
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  // nunjucks requires its optional watchers dynamically; it stays an installed package.
  external: ['nunjucks'],
};

rmSync(OUT, { recursive: true, force: true });
await Promise.all([
  ...FUNCTIONS.map((fn) =>
    build({
      ...common,
      entryPoints: [`functions/${fn}/main.ts`],
      outfile: `${OUT}/functions/${fn}/main.cjs`,
      format: 'cjs',
      // The file is one function expression: start.cjs compiles it as it is.
      banner: { js: "(function (exports, require, module, __filename, __dirname) {const __dendriteUrl=require('node:url').pathToFileURL(__filename).href;" },
      footer: { js: '})' },
      define: { 'import.meta.url': '__dendriteUrl' },
    }),
  ),
  build({
    ...common,
    stdin: { contents: "require('./code-cache-start.ts').startCached(__dirname, process.argv.slice(2), process.env);", resolveDir: 'shared/runtime', loader: 'ts', sourcefile: 'start.ts' },
    outfile: `${OUT}/start.cjs`,
    format: 'cjs',
  }),
  build({
    ...common,
    entryPoints: ['shared/template/isolated/child.ts'],
    outfile: `${OUT}/shared/template/isolated/child.js`,
    format: 'esm',
    banner: { js: "import{createRequire as __dendriteRequire}from'node:module';const require=__dendriteRequire(import.meta.url);" },
  }),
  // Before the code caches: task-submit's run below then loads what the image loads.
  buildTaskSchema({ crdFile: 'crds/task.yaml', outfile: `${OUT}/functions/task-submit/task-schema.cjs` }),
]);

// The code caches: each function runs until its modules are loaded, then writes what V8 compiled.
const scratch = mkdtempSync(join(tmpdir(), 'dendrite-bundle-'));
const kubeconfig = join(scratch, 'kubeconfig');
writeFileSync(
  kubeconfig,
  'apiVersion: v1\nkind: Config\nclusters: [{ name: none, cluster: { server: "https://127.0.0.1:9", insecure-skip-tls-verify: true } }]\n' +
    'users: [{ name: none, user: { token: none } }]\ncontexts: [{ name: none, context: { cluster: none, user: none } }]\ncurrent-context: none\n',
);
/** A port free now (the function listens while it loads). */
const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
try {
  for (const fn of FUNCTIONS) {
    const port = await freePort();
    const run = spawnSync(process.execPath, [`${OUT}/start.cjs`, fn], {
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH,
        DENDRITE_CODE_CACHE: 'write',
        LOG_LEVEL: 'silent',
        PORT: String(port),
        REDIS_URL: 'redis://127.0.0.1:9',
        K_SINK: 'http://127.0.0.1:9/',
        KUBECONFIG: kubeconfig,
      },
    });
    const cache = statSync(`${OUT}/functions/${fn}/main.cjs.cache`, { throwIfNoEntry: false });
    if (run.status !== 0 || !cache) {
      console.error(`bundle: writing the code cache of ${fn} failed (exit ${run.status}):\n${run.stdout}${run.stderr}`);
      process.exit(1);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
