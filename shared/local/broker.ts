/**
 * The local mode's Broker: takes CloudEvents in, and delivers each to every subscriber whose
 * Trigger matches, over HTTP, as a Knative Broker does — binary mode with `Prefer: reply`; a
 * 200 must carry a CloudEvent, which is routed in turn; 404/408/409/429/5xx and network errors
 * are retried with exponential backoff (at least once); other 4xx go to the dead letters.
 *
 * Like a Knative Broker it is bounded: at most `concurrency` deliveries in flight per
 * subscriber, the rest queued (delivery-queue.ts), so any width of fan-in is delivered.
 *
 * One difference on purpose: deliveries to one subscriber about one subject are made in the
 * order published (as Knative's Kafka broker does per partition key); different subjects go
 * concurrently. The functions must not and do not rely on it; it keeps a local run's
 * transitions in the order a person watching expects.
 */
import type { CloudEvent } from 'cloudevents';
import type { Logger } from 'pino';
import type { Emit } from '../events/emit.js';
import { receiveCloudEvent } from '../events/receive.js';
import { toBinaryMessage } from '../events/to-http.js';
import { TransientError } from '../errors.js';
import { createDeliveryQueue, type AttemptResult } from './delivery-queue.js';
import { createPoster, type Poster } from './http-post.js';
import { matches, type Trigger } from './triggers.js';

export interface RetryPolicy {
  /** Retries after the first attempt (Knative `delivery.retry`). */
  retries: number;
  /** First backoff; doubles each retry (Knative `backoffPolicy: exponential`). */
  backoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 5, backoffMs: 50, maxBackoffMs: 2000 };

/** Deliveries in flight at once per subscriber (a Knative broker's dispatcher is bounded too). */
export const DEFAULT_CONCURRENCY = 32;

export interface DeadLetter {
  event: CloudEvent<unknown>;
  trigger: string;
  subscriber: string;
  /** The last HTTP status, when there was an answer. */
  status?: number;
  reason: string;
}

export interface LocalBrokerOptions {
  triggers: readonly Trigger[];
  /** Subscriber name (the Trigger's `subscriber.ref.name`) → URL to POST events to. */
  subscribers: Readonly<Record<string, string>>;
  log: Logger;
  retry?: RetryPolicy;
  /** Per-request timeout (Knative's default request timeout is 300 s). */
  timeoutMs?: number;
  /** Deliveries in flight at once per subscriber; the rest wait in order. */
  concurrency?: number;
  /** Sees every event the ingress accepts, routed or not. */
  onEvent?: (event: CloudEvent<unknown>) => void;
  onDeadLetter?: (letter: DeadLetter) => void;
}

export interface LocalBroker {
  /** The ingress: accepts the event for delivery and returns (delivery is asynchronous). */
  publish: Emit;
  /** The Triggers (by name) that would deliver this event. */
  routesFor(event: CloudEvent<unknown>): string[];
  /** Resolves once nothing is queued, in flight or waiting to be retried. */
  whenIdle(): Promise<void>;
  pending(): number;
  readonly deadLetters: readonly DeadLetter[];
  /** Stops accepting; queued deliveries are dropped and in-flight ones aborted. */
  close(): void;
}

/** Statuses a Knative Broker retries; every other non-2xx is final. */
export function isRetryable(status: number): boolean {
  return status === 404 || status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Most of an answer kept as a dead letter's reason: a refusal lists every problem, so keep them. */
const MAX_REASON_CHARS = 4000;

/** The `error` of a function's JSON answer, else the body's text, both bounded. */
function answerText(body: Buffer): string {
  const text = body.toString('utf8', 0, MAX_REASON_CHARS + 200);
  try {
    const error = (JSON.parse(text) as { error?: unknown }).error;
    if (typeof error === 'string') return error.slice(0, MAX_REASON_CHARS);
  } catch {
    // Not JSON (or cut short): the text as it is.
  }
  return text.slice(0, MAX_REASON_CHARS);
}

type Outcome = { done: true; reply?: CloudEvent<unknown> } | { done: false; retry: boolean; status?: number; reason: string; retryAfterMs?: number };

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

export function createLocalBroker(options: LocalBrokerOptions): LocalBroker {
  const retry = options.retry ?? DEFAULT_RETRY;
  const timeoutMs = options.timeoutMs ?? 300_000;
  const log = options.log;
  const deadLetters: DeadLetter[] = [];
  let closed = false;

  const triggers = options.triggers.filter((trigger) => {
    if (options.subscribers[trigger.subscriber]) return true;
    log.warn({ trigger: trigger.name, subscriber: trigger.subscriber }, 'no local subscriber for this Trigger; its events are not delivered');
    return false;
  });

  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const posters = new Map<string, Poster>();
  const posterFor = (subscriber: string) => {
    let poster = posters.get(subscriber);
    if (!poster) posters.set(subscriber, (poster = createPoster(options.subscribers[subscriber] as string, concurrency)));
    return poster;
  };

  async function attempt(subscriber: string, event: CloudEvent<unknown>): Promise<Outcome> {
    const message = toBinaryMessage(event);
    let response: Awaited<ReturnType<Poster['post']>>;
    try {
      response = await posterFor(subscriber).post({ ...message.headers, prefer: 'reply' }, message.body, timeoutMs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return { done: false, retry: true, reason: `could not deliver: ${(err as Error).message}${code && !(err as Error).message.includes(code) ? ` (${code})` : ''}` };
    }
    const body = response.body;
    if (response.status === 200) {
      try {
        return { done: true, reply: receiveCloudEvent(response.headers, body, { anyData: true }) };
      } catch (err) {
        // A 200 without a CloudEvent is a failed delivery to a Knative broker (it answers 502).
        return { done: false, retry: true, status: 502, reason: `200 reply is not a CloudEvent: ${(err as Error).message}` };
      }
    }
    if (response.status >= 200 && response.status < 300) return { done: true };
    const reason = `${response.status} ${answerText(body)}`.trim();
    return {
      done: false,
      retry: isRetryable(response.status),
      status: response.status,
      reason,
      retryAfterMs: retryAfterMs(response.headers['retry-after'] ?? null),
    };
  }

  interface Delivery {
    trigger: Trigger;
    event: CloudEvent<unknown>;
    tried: number;
  }

  function deadLetter(delivery: Delivery, outcome: Extract<Outcome, { done: false }>): void {
    const { trigger, event } = delivery;
    const letter: DeadLetter = {
      event,
      trigger: trigger.name,
      subscriber: trigger.subscriber,
      reason: outcome.reason,
      ...(outcome.status !== undefined ? { status: outcome.status } : {}),
    };
    deadLetters.push(letter);
    log.error(
      { trigger: trigger.name, subscriber: trigger.subscriber, ceType: event.type, ceSubject: event.subject, status: outcome.status, reason: outcome.reason },
      'event dead-lettered',
    );
    options.onDeadLetter?.(letter);
  }

  /** One try; a retryable failure comes back with its backoff (exponential, or Retry-After). */
  async function deliverOnce(delivery: Delivery): Promise<AttemptResult> {
    const { trigger, event } = delivery;
    try {
      const outcome = await attempt(trigger.subscriber, event);
      if (closed) return { done: true };
      if (outcome.done) {
        if (outcome.reply) await publish(outcome.reply);
        return { done: true };
      }
      if (!outcome.retry || delivery.tried >= retry.retries) {
        deadLetter(delivery, outcome);
        return { done: true };
      }
      const backoff = Math.min(retry.backoffMs * 2 ** delivery.tried, retry.maxBackoffMs);
      const wait = Math.min(Math.max(backoff, outcome.retryAfterMs ?? 0), retry.maxBackoffMs * 4);
      delivery.tried++;
      log.debug({ trigger: trigger.name, status: outcome.status, wait }, 'delivery failed; retrying');
      return { done: false, retryInMs: wait };
    } catch (err) {
      if (!closed) log.error({ err, trigger: trigger.name }, 'delivery crashed');
      return { done: true };
    }
  }

  const queue = createDeliveryQueue<Delivery>(concurrency, deliverOnce);

  async function publish(event: CloudEvent<unknown>): Promise<void> {
    if (closed) throw new TransientError('the local broker is closed');
    options.onEvent?.(event);
    const routes = triggers.filter((trigger) => matches(trigger, event));
    if (routes.length === 0) log.debug({ ceType: event.type, ceSubject: event.subject }, 'no Trigger matches; event dropped');
    for (const trigger of routes) {
      queue.add(`${trigger.name}\u0000${event.subject ?? event.id}`, trigger.subscriber, { trigger, event, tried: 0 });
    }
  }

  return {
    publish,
    routesFor: (event) => triggers.filter((trigger) => matches(trigger, event)).map((trigger) => trigger.name),
    deadLetters,
    pending: () => queue.pending(),
    whenIdle: () => queue.whenIdle(),
    close() {
      closed = true;
      queue.close();
      for (const poster of posters.values()) poster.close();
    },
  };
}
