import { Counter } from 'prom-client';
import type { Logger } from 'pino';
import { createFunctionApp, type HttpApp } from '../../shared/http/function-app.js';
import type { Metrics } from '../../shared/metrics/metrics.js';
import { createDeadLetterHandler } from './handler.js';

export const FUNCTION_NAME = 'dead-letter';

export interface DeadLetterDeps {
  log: Logger;
  metrics: Metrics;
}

/** Takes every well-formed CloudEvent (202), whatever its data; only malformed requests get a 4xx. */
export function createApp(deps: DeadLetterDeps): HttpApp {
  const registers = [deps.metrics.registry];
  const handler = createDeadLetterHandler({
    deadLetters: new Counter({
      name: 'dendrite_dead_letters_total',
      help: 'Events the Broker gave up delivering, by CloudEvent type',
      labelNames: ['type'] as const,
      registers,
    }),
    audited: new Counter({
      name: 'dendrite_audited_events_total',
      help: 'Events routed to the audit log by a Trigger, by CloudEvent type',
      labelNames: ['type'] as const,
      registers,
    }),
  });
  // anyData: what the Broker gives up on may carry any data; refusing it would lose it for good.
  return createFunctionApp({ name: FUNCTION_NAME, handlers: {}, fallback: handler, anyData: true, log: deps.log, metrics: deps.metrics });
}
