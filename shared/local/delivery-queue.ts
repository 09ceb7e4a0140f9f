/**
 * The local broker's scheduling: at most `concurrency` deliveries in flight per subscriber,
 * everything else waiting in order — so a 10,000-wide fan-in queues instead of opening
 * 10,000 connections at once (which the OS refuses: `fetch failed`, events dead-lettered).
 * Deliveries with one key (one Trigger, one subject) run one after the other in the order
 * queued; a delivery waiting out a retry backoff holds no slot.
 */

/** One attempt at a delivery: `done` (delivered or given up), or `retryIn` ms. */
export type AttemptResult = { done: true } | { done: false; retryInMs: number };

export interface DeliveryQueue<T> {
  add(lane: string, subscriber: string, item: T): void;
  /** Deliveries not yet done: queued, in flight, or waiting to retry. */
  pending(): number;
  whenIdle(): Promise<void>;
  /** Drops everything queued and every retry timer; in-flight attempts are left to end. */
  close(): void;
}

/** First in, first out, with O(1) removal at the front. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

interface Lane<T> {
  subscriber: string;
  items: Fifo<T>;
}

export function createDeliveryQueue<T>(concurrency: number, attempt: (item: T) => Promise<AttemptResult>): DeliveryQueue<T> {
  const lanes = new Map<string, Lane<T>>();
  const ready = new Map<string, Fifo<string>>();
  const running = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let pending = 0;
  let closed = false;
  let idleWaiters: Array<() => void> = [];

  const readyOf = (subscriber: string) => {
    let keys = ready.get(subscriber);
    if (!keys) ready.set(subscriber, (keys = new Fifo()));
    return keys;
  };

  function settle(): void {
    if (pending > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** The lane's first item is done: the next one of that lane may go. */
  function advance(key: string, lane: Lane<T>): void {
    lane.items.shift();
    pending--;
    if (lane.items.size > 0) readyOf(lane.subscriber).push(key);
    else lanes.delete(key);
    settle();
  }

  function pump(subscriber: string): void {
    const keys = readyOf(subscriber);
    while (!closed && (running.get(subscriber) ?? 0) < concurrency && keys.size > 0) {
      const key = keys.shift()!;
      const lane = lanes.get(key)!;
      const item = lane.items.peek() as T;
      running.set(subscriber, (running.get(subscriber) ?? 0) + 1);
      void attempt(item)
        .catch((): AttemptResult => ({ done: true }))
        .then((result) => {
          running.set(subscriber, (running.get(subscriber) ?? 1) - 1);
          if (closed) return;
          if (result.done) advance(key, lane);
          else {
            const timer = setTimeout(() => {
              timers.delete(timer);
              if (closed) return;
              readyOf(subscriber).push(key);
              pump(subscriber);
            }, result.retryInMs);
            timers.add(timer);
          }
          pump(subscriber);
        });
    }
  }

  return {
    add(key, subscriber, item) {
      if (closed) return;
      pending++;
      const lane = lanes.get(key);
      if (lane) {
        lane.items.push(item);
        return;
      }
      const fresh: Lane<T> = { subscriber, items: new Fifo() };
      fresh.items.push(item);
      lanes.set(key, fresh);
      readyOf(subscriber).push(key);
      pump(subscriber);
    },
    pending: () => pending,
    whenIdle: () => (pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      lanes.clear();
      ready.clear();
      pending = 0;
      settle();
    },
  };
}
