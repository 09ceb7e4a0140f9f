/** The whole of a function's main: env → config → clients → app → listen. */
import type express from 'express';
import type { FlowDeps } from '../flow/deps.js';
import { createRuntime, createLogger } from './clients.js';
import { readConfig, type RuntimeConfig } from './config.js';
import { serve } from './serve.js';

export async function startFunction(
  functionName: string,
  createApp: (deps: FlowDeps, config: RuntimeConfig) => express.Express,
): Promise<void> {
  let config: RuntimeConfig;
  try {
    config = readConfig(process.env, functionName);
  } catch (err) {
    console.error(`${functionName}: ${(err as Error).message}`);
    process.exit(78); // EX_CONFIG
  }
  const log = createLogger(config);
  const runtime = await createRuntime(config, log);
  await serve(createApp(runtime.deps, config), { port: config.port, log, close: runtime.close });
}
