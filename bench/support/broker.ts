/**
 * A bounded broker for the throughput benchmark: routes by the real Triggers
 * (knative/triggers.yaml), delivers over HTTP in binary mode with `Prefer: reply`, at most
 * `concurrency` deliveries at once (a Knative broker is bounded too; 10,000 Tasks applied at
 * once must not open 10,000 sockets), re-publishes 200 replies, retries 5xx/429 a few times.
 */
import type { CloudEvent } from 'cloudevents';
import { receiveCloudEvent } from '../../shared/events/receive.js';
import { loadTriggers, matches, type Trigger } from '../../shared/local/triggers.js';
import { createPoster, type Poster } from './http.js';

export interface BenchBrokerOptions {
  triggersFile: string;
  /** Subscriber (Knative Service name) → URL. */
  subscribers: Record<string, string>;
  concurrency: number;
  /** Called after an event was delivered successfully to a subscriber. */
  afterDelivery?: (event: CloudEvent<unknown>, subscriber: string) => void;
}

export interface BenchBroker {
  publish(event: CloudEvent<unknown>): void;
  idle(): Promise<void>;
  readonly stats: { deliveries: number; published: number; retries: number; failures: number; byType: Record<string, number> };
  close(): void;
}

export function createBenchBroker(options: BenchBrokerOptions): BenchBroker {
  const triggers: Trigger[] = loadTriggers(options.triggersFile).filter((t) => options.subscribers[t.subscriber]);
  const posters: Record<string, Poster> = Object.fromEntries(
    Object.entries(options.subscribers).map(([name, url]) => [name, createPoster(url, options.concurrency)]),
  );
  const queue: Array<{ event: CloudEvent<unknown>; subscriber: string; attempt: number }> = [];
  const stats = { deliveries: 0, published: 0, retries: 0, failures: 0, byType: {} as Record<string, number> };
  let running = 0;
  let waiters: Array<() => void> = [];

  function pump(): void {
    while (running < options.concurrency && queue.length > 0) {
      const job = queue.shift()!;
      running++;
      void deliver(job).finally(() => {
        running--;
        pump();
        if (running === 0 && queue.length === 0) {
          const wake = waiters;
          waiters = [];
          for (const w of wake) w();
        }
      });
    }
  }

  async function deliver(job: { event: CloudEvent<unknown>; subscriber: string; attempt: number }): Promise<void> {
    const { event, subscriber } = job;
    let status = 0;
    let answer: Awaited<ReturnType<Poster['post']>> | undefined;
    try {
      answer = await posters[subscriber]!.post(event, { prefer: 'reply' });
      status = answer.status;
    } catch {
      status = 0;
    }
    stats.deliveries++;
    const kind = (event as unknown as { kind?: unknown }).kind;
    const label = typeof kind === 'string' && kind ? `${event.type} (${kind})` : event.type;
    stats.byType[label] = (stats.byType[label] ?? 0) + 1;
    if (status >= 200 && status < 300) {
      if (status === 200 && answer) publish(receiveCloudEvent(answer.headers, answer.body));
      options.afterDelivery?.(event, subscriber);
      return;
    }
    if ((status === 0 || status >= 500 || status === 429) && job.attempt < 5) {
      stats.retries++;
      await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** job.attempt));
      queue.push({ ...job, attempt: job.attempt + 1 });
      return;
    }
    stats.failures++;
    process.stderr.write(`delivery of ${event.type} ${event.subject} to ${subscriber} failed: ${status} ${answer?.body ?? ''}\n`);
  }

  function publish(event: CloudEvent<unknown>): void {
    stats.published++;
    for (const trigger of triggers) {
      if (matches(trigger, event)) queue.push({ event, subscriber: trigger.subscriber, attempt: 0 });
    }
    pump();
  }

  return {
    publish,
    stats,
    idle: () => (running === 0 && queue.length === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    close: () => Object.values(posters).forEach((p) => p.close()),
  };
}
