/** The process's structured logger (pino, JSON lines on stdout). */
import pino, { type Logger } from 'pino';
import type { BaseConfig } from './config.js';

export function createLogger(config: Pick<BaseConfig, 'functionName' | 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { function: config.functionName } });
}
