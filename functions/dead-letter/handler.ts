/**
 * dead-letter: the Broker's dead-letter sink, and the audit log of Task outcomes. Whatever
 * reaches it is logged and counted, never refused: a refusal here would lose the event for good.
 * Knative marks a dead-lettered event with the knativeerror* extensions; anything without them
 * came through a Trigger (dev.dendrite.task.succeeded / .failed).
 */
import type { CloudEvent } from 'cloudevents';
import type { Counter } from 'prom-client';
import { TASK_FAILED } from '../../shared/events/types.js';
import type { HandlerContext } from '../../shared/http/function-app.js';

/** Where the broker last tried to deliver it, the last HTTP status, and the reply body (base64). */
export const ERROR_DEST = 'knativeerrordest';
export const ERROR_CODE = 'knativeerrorcode';
export const ERROR_DATA = 'knativeerrordata';

/** A reply body or message in a log line is cut to this, so one event cannot flood the logs. */
const MAX_LOGGED_CHARS = 1024;

export interface DeadLetterCounters {
  deadLetters: Counter<'type'>;
  audited: Counter<'type'>;
}

type Attributes = Record<string, unknown>;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, MAX_LOGGED_CHARS) : undefined;
}

function record(value: unknown): Attributes {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Attributes) : {};
}

/**
 * Which Task an event is about, from what each of our event kinds carries: the subject of
 * Task and Dendrite events, a Job's `axon.io/task` label, or job.completed's data.
 */
export function taskOf(event: CloudEvent<unknown>): { namespace: string; task: string } | undefined {
  const fromSubject = /\/namespaces\/([^/]+)\/tasks\/([^/]+)$/.exec(event.subject ?? '');
  if (fromSubject) return { namespace: fromSubject[1]!, task: fromSubject[2]! };
  const data = record(event.data);
  const meta = record(data.metadata);
  const label = record(meta.labels)['axon.io/task'];
  if (typeof label === 'string' && typeof meta.namespace === 'string') return { namespace: meta.namespace, task: label };
  if (typeof data.task === 'string' && typeof data.namespace === 'string') return { namespace: data.namespace, task: data.task };
  return undefined;
}

function decodedErrorData(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  return text(Buffer.from(value, 'base64').toString('utf8'));
}

function dataBytes(event: CloudEvent<unknown>): number {
  const data = event.data;
  if (data === undefined) return 0;
  if (data instanceof Uint8Array) return data.byteLength;
  return typeof data === 'string' ? Buffer.byteLength(data) : Buffer.byteLength(JSON.stringify(data) ?? '');
}

export function createDeadLetterHandler(counters: DeadLetterCounters) {
  return async function handleAnything(event: CloudEvent<unknown>, handlerContext: HandlerContext): Promise<void> {
    const about = taskOf(event);
    const log = about ? handlerContext.forTask(about.namespace, about.task) : handlerContext.log;
    const attributes = event as unknown as Attributes;
    const fields = { ceSource: event.source, ceTime: event.time, dataBytes: dataBytes(event) };
    if (attributes[ERROR_DEST] !== undefined || attributes[ERROR_CODE] !== undefined) {
      counters.deadLetters.inc({ type: event.type });
      log.error(
        {
          ...fields,
          errorDest: text(attributes[ERROR_DEST]),
          errorCode: text(String(attributes[ERROR_CODE] ?? '')),
          errorData: decodedErrorData(attributes[ERROR_DATA]),
        },
        'event dead-lettered: the broker gave up delivering it',
      );
      return;
    }
    counters.audited.inc({ type: event.type });
    const message = event.type === TASK_FAILED ? text(record(event.data).message) : undefined;
    log.info({ ...fields, ...(message ? { message } : {}) }, 'event recorded');
  };
}
