/**
 * The whole of a function's main: env → config → listen → (app + clients, loaded behind the
 * listening server) → serve events. Only config, the logger and node:http load before the
 * server listens; main.ts hands over its app as a loader so that nothing heavy is imported
 * statically (see serve.ts for what is answered meanwhile).
 */
import type { RequestListener } from 'node:http';
import type { Logger } from 'pino';
import type { HttpApp } from '../http/routes.js';
import type { FlowDeps } from '../flow/deps.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Runtime } from './clients.js';
import { readBaseConfig, readConfig, type BaseConfig, type RuntimeConfig } from './config.js';
import { createLogger } from './log.js';
import { sayModulesLoaded } from './modules-loaded.js';
import { serve } from './serve.js';

function configOrExit<C>(functionName: string, read: () => C): C {
  try {
    return read();
  } catch (err) {
    console.error(`${functionName}: ${(err as Error).message}`);
    process.exit(78); // EX_CONFIG
  }
}

export type AppFactory = (deps: FlowDeps, config: RuntimeConfig, clients: Pick<Runtime, 'redis'>) => HttpApp;

/** A promise with its resolve at hand: the app the listening server waits for. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * `loadApp` imports the function's app module (dynamically) and returns its factory.
 * Resolves once the app serves; rejects (ending the process) when the app or its clients
 * cannot be built.
 */
export interface StartOptions {
  /** The render process's script (template/isolated/child.js of this build). */
  renderEntry: URL;
}

export async function startFunction(functionName: string, loadApp: () => Promise<AppFactory>, options: StartOptions): Promise<void> {
  const config = configOrExit(functionName, () => readConfig(process.env, functionName));
  const log = createLogger(config);
  const app = deferred<RequestListener>();
  let runtime: Runtime | undefined;
  let stopped = false;
  const close = async () => {
    stopped = true;
    await runtime?.close();
  };
  await serve(app.promise, { port: config.port, log, functionName, close });
  try {
    const [{ createRuntime }, create] = await Promise.all([import('./clients.js'), loadApp()]);
    runtime = await createRuntime(config, log, options.renderEntry);
    app.resolve(create(runtime.deps, config, { redis: runtime.redis }));
  } catch (err) {
    log.fatal({ err }, 'could not load the app or build its clients');
    throw err;
  }
  // Told to stop while still loading: the clients built meanwhile must not hold the process.
  if (stopped) await runtime.close();
  else {
    log.info('ready for events');
    // The render process starts now, while no event waits for it.
    void runtime.deps.renderer.warm();
  }
}

export interface StandaloneContext {
  config: BaseConfig;
  log: Logger;
  metrics: Metrics;
}

/** A function that needs no Redis, cluster or event sink (the dead-letter receiver). */
export async function startStandalone(
  functionName: string,
  loadApp: () => Promise<(context: StandaloneContext) => HttpApp>,
): Promise<void> {
  const config = configOrExit(functionName, () => readBaseConfig(process.env, functionName));
  const log = createLogger(config);
  let loaded: (value: RequestListener) => void = () => {};
  const app = new Promise<RequestListener>((resolve) => (loaded = resolve));
  await serve(app, { port: config.port, log, functionName, close: async () => {} });
  const [create, { createMetrics }] = await Promise.all([loadApp(), import('../metrics/metrics.js')]);
  sayModulesLoaded(); // see createRuntime
  loaded(create({ config, log, metrics: createMetrics({ defaultMetrics: true }) }));
}
