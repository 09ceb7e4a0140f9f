/**
 * What the image runs: `node dist/bundle/start.cjs <function>`. Loads the function's bundle
 * (dist/bundle/functions/<function>/main.cjs, one CommonJS script already wrapped as a module
 * function) through vm.Script with the V8 code cache written beside it at build time, so a
 * cold start skips parsing and compiling the ~5 MB of JavaScript it loads (client-node's models
 * dominate): measured, compiling was two thirds of the time to ready.
 *
 * `DENDRITE_CODE_CACHE=write` (the build step, scripts/bundle.mjs): runs the function until its
 * modules are loaded (the `dendrite:modules-loaded` process event, before any connection is
 * made), writes the cache of everything compiled so far, and exits. A cache V8 rejects (another
 * Node version or V8 flags) is said once in the log; the function then starts uncached.
 *
 * Bundled by esbuild into a CommonJS file of its own: it must not load the ESM loader.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { MODULES_LOADED_EVENT } from './modules-loaded.js';

/** Module._nodeModulePaths: the node_modules directories require() looks in from a directory. */
type ModuleWithPaths = typeof Module & { _nodeModulePaths(from: string): string[] };

function fail(message: string): never {
  process.stderr.write(`dendrite: ${message}\n`);
  process.exit(64); // EX_USAGE
}

function logLine(functionName: string, level: number, fields: Record<string, unknown>, msg: string): void {
  // The functions' pino format, so log collectors read it like the rest.
  process.stdout.write(`${JSON.stringify({ level, time: Date.now(), function: functionName, ...fields, msg })}\n`);
}

export function startCached(bundleDir: string, argv: readonly string[], env: NodeJS.ProcessEnv): void {
  const functionName = argv[0] ?? '';
  if (!/^[a-z][a-z-]*$/.test(functionName)) fail(`usage: node start.cjs <function>, got "${functionName}"`);
  const file = join(bundleDir, 'functions', functionName, 'main.cjs');
  const cacheFile = `${file}.cache`;
  const writing = env.DENDRITE_CODE_CACHE === 'write';

  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return fail(`no bundle for function "${functionName}" at ${file}`);
  }
  let cachedData: Buffer | undefined;
  if (!writing && env.DENDRITE_CODE_CACHE !== 'off') {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
  }
  const script = new Script(source, { filename: file, cachedData });
  const codeCache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
  if (codeCache !== 'used' && !writing) logLine(functionName, 40, { codeCache }, 'starting without a code cache: slower cold start');
  else if (!writing) logLine(functionName, 30, { codeCache }, 'code cache used');

  if (writing) {
    process.once(MODULES_LOADED_EVENT, () => {
      writeFileSync(cacheFile, script.createCachedData());
      process.exit(0);
    });
  }
  const wrapper = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  const mod = new Module(file);
  mod.filename = file;
  mod.paths = (Module as ModuleWithPaths)._nodeModulePaths(dirname(file));
  wrapper.call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
}
