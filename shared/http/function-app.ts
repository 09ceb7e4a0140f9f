/**
 * The HTTP shell every function shares: receive one CloudEvent, dispatch it by type to a plain
 * handler, and turn the outcome into the status codes a Knative broker understands —
 * 200 + CloudEvent reply, 202 empty, 4xx (never retried) for bad input, 503/429 (retried)
 * for transient trouble. Handlers never see HTTP.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CloudEvent } from 'cloudevents';
import type { Logger } from 'pino';
import { PermanentError, RefusedEventError, TransientError } from '../errors.js';
import { BadEventError, receiveCloudEvent } from '../events/receive.js';
import { toBinaryMessage } from '../events/to-http.js';
import type { Metrics } from '../metrics/metrics.js';
import { BodyError, readBody } from './body.js';
import { healthRoutes } from './health.js';
import { sendBody, sendEmpty, sendJson } from './respond.js';
import { routes, type HttpApp } from './routes.js';

export type { HttpApp } from './routes.js';

export interface HandlerContext {
  /** Carries the event's ceId, ceType and ceSubject. */
  log: Logger;
  /**
   * Names the Task the event is about: the returned logger, and every line the shell itself
   * logs for this event afterwards (refusals, failures), also carry `task` and `namespace`.
   */
  forTask(namespace: string, task: string): Logger;
}

/** Returns a CloudEvent to reply with, or nothing. */
export type Handler = (event: CloudEvent<unknown>, context: HandlerContext) => Promise<CloudEvent<unknown> | void>;

export interface FunctionAppOptions {
  name: string;
  handlers: Record<string, Handler>;
  log: Logger;
  /** Readiness check (e.g. Redis PING); throwing means not ready. */
  ready?: () => Promise<void>;
  /** Largest accepted request body, after any Content-Encoding is undone (default 2 MiB). */
  bodyLimitBytes?: number;
  /** Handles every type that `handlers` does not name (a receiver that takes anything). */
  fallback?: Handler;
  /** Take data of any media type; otherwise data that is not JSON is refused with 415. */
  anyData?: boolean;
  /** Served on GET /metrics; handling time is observed per function and event type. */
  metrics?: Metrics;
}

interface ErrorAnswer {
  status: number;
  message: string;
  retryAfterSeconds?: number;
}

/** Maps a handler error onto the answer the broker needs. Unknown errors never leak details. */
export function answerFor(err: unknown): ErrorAnswer {
  if (err instanceof BadEventError || err instanceof BodyError) return { status: err.status, message: err.message };
  if (err instanceof RefusedEventError) return { status: 403, message: err.message };
  if (err instanceof PermanentError) return { status: 400, message: err.message };
  if (err instanceof TransientError) {
    return err.retryAfterSeconds !== undefined
      ? { status: 429, message: err.message, retryAfterSeconds: err.retryAfterSeconds }
      : { status: 503, message: err.message };
  }
  return { status: 500, message: 'internal error' };
}

function sendError(res: ServerResponse, answer: ErrorAnswer, headers: Record<string, string> = {}): void {
  if (answer.retryAfterSeconds !== undefined) headers['Retry-After'] = String(Math.ceil(answer.retryAfterSeconds));
  sendJson(res, answer.status, { error: answer.message }, headers);
}

export function createFunctionApp(options: FunctionAppOptions): HttpApp {
  const { name, handlers, log, metrics } = options;
  const accepted = Object.keys(handlers);
  // The raw bytes for every content type: the receiver decodes them by the event's media type.
  const receiveOptions = { anyData: options.anyData === true };

  const receive = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let event: CloudEvent<unknown>;
    try {
      event = receiveCloudEvent(req.headers, await readBody(req, options.bodyLimitBytes), receiveOptions);
    } catch (err) {
      const answer = answerFor(err);
      log.info({ status: answer.status, reason: answer.message }, 'rejected request');
      // A body refused half-read leaves the rest of it on the connection.
      return sendError(res, answer, err instanceof BodyError ? { Connection: 'close' } : {});
    }
    // Child loggers are made when first needed, and a Task's logger straight from `log` with
    // every field (the same line as a child of the event's logger, one child fewer per event).
    const eventFields = { ceId: event.id, ceType: event.type, ceSubject: event.subject };
    let baseLog: Logger | undefined;
    let taskLog: Logger | undefined;
    const eventLog = () => taskLog ?? (baseLog ??= log.child(eventFields));
    // hasOwn: a type such as "constructor" must not find Object.prototype's members.
    const handler = Object.hasOwn(handlers, event.type) ? handlers[event.type] : options.fallback;
    if (!handler) {
      eventLog().info('unsupported event type');
      return sendError(res, {
        status: 400,
        message: `unsupported event type "${event.type}": ${name} accepts ${accepted.join(', ')}`,
      });
    }
    const context: HandlerContext = {
      get log() {
        return (baseLog ??= log.child(eventFields));
      },
      forTask(namespace, task) {
        taskLog = log.child({ ...eventFields, task, namespace });
        return taskLog;
      },
    };
    const stopTimer = metrics?.eventHandling.startTimer({ function: name, type: event.type });
    try {
      const reply = await handler(event, context);
      stopTimer?.();
      if (!reply) return sendEmpty(res, 202);
      const message = toBinaryMessage(reply);
      sendBody(res, 200, typeof message.body === 'string' ? message.body : Buffer.from(message.body), message.headers);
    } catch (err) {
      stopTimer?.();
      const answer = answerFor(err);
      const level = answer.status >= 500 || answer.status === 429 ? 'warn' : 'info';
      if (err instanceof RefusedEventError) {
        // Forged or misdirected: worth a look, never a retry.
        metrics?.eventsRefused.inc({ reason: err.reason });
        eventLog().warn({ reason: err.reason, source: event.source, status: answer.status, err: err.message }, 'refused event');
      } else if (answer.status === 500) eventLog().error({ err }, 'handler failed');
      else eventLog()[level]({ err: (err as Error).message, status: answer.status }, 'handler refused event');
      sendError(res, answer);
    }
  };

  return routes({ ...healthRoutes({ name, log, ready: options.ready, metrics }), 'POST /': receive }, log);
}
