/** The whole of a function's main: env → config → clients → app → listen. */
import type express from 'express';
import type { Logger } from 'pino';
import type { FlowDeps } from '../flow/deps.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { createRuntime, createLogger } from './clients.js';
import { readBaseConfig, readConfig, type BaseConfig, type RuntimeConfig } from './config.js';
import { serve } from './serve.js';

function configOrExit<C>(functionName: string, read: () => C): C {
  try {
    return read();
  } catch (err) {
    console.error(`${functionName}: ${(err as Error).message}`);
    process.exit(78); // EX_CONFIG
  }
}

export async function startFunction(
  functionName: string,
  createApp: (deps: FlowDeps, config: RuntimeConfig) => express.Express,
): Promise<void> {
  const config = configOrExit(functionName, () => readConfig(process.env, functionName));
  const log = createLogger(config);
  const runtime = await createRuntime(config, log);
  await serve(createApp(runtime.deps, config), { port: config.port, log, close: runtime.close });
}

export interface StandaloneContext {
  config: BaseConfig;
  log: Logger;
  metrics: Metrics;
}

/** A function that needs no Redis, cluster or event sink (the dead-letter receiver). */
export async function startStandalone(
  functionName: string,
  createApp: (context: StandaloneContext) => express.Express,
): Promise<void> {
  const config = configOrExit(functionName, () => readBaseConfig(process.env, functionName));
  const log = createLogger(config);
  const app = createApp({ config, log, metrics: createMetrics({ defaultMetrics: true }) });
  await serve(app, { port: config.port, log, close: async () => {} });
}
