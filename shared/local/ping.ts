/**
 * The local mode's PingSource: on a timer, publishes the tick the resync Trigger routes, built
 * from that Trigger's own filter so the route lives in knative/triggers.yaml only.
 */
import { randomUUID } from 'node:crypto';
import { CloudEvent } from 'cloudevents';
import type { Emit } from '../events/emit.js';
import type { Trigger } from './triggers.js';

export interface LocalPinger {
  /** Ticks once more at `at` (ms since the epoch) too: a Task's time to live ends then. */
  tickAt(at: number): void;
  stop(): void;
}

/** A tick every Trigger routing to `subscriber` accepts, or undefined when none routes there. */
export function tickFor(triggers: readonly Trigger[], subscriber: string): (() => CloudEvent<unknown>) | undefined {
  const trigger = triggers.find((t) => t.subscriber === subscriber && typeof t.filter.type === 'string');
  if (!trigger) return undefined;
  return () =>
    new CloudEvent<unknown>({
      ...trigger.filter,
      id: randomUUID(),
      source: '/dendrite/local/pingsource',
      datacontenttype: 'application/json',
      data: {},
    } as never);
}

/** Extra ticks are at most this much apart: several due at about one time share one. */
const TICK_SLACK_MS = 50;

export function startPinger(tick: () => CloudEvent<unknown>, publish: Emit, intervalMs: number, onError: (err: unknown) => void): LocalPinger {
  const send = () => publish(tick()).catch(onError);
  const timer = setInterval(send, intervalMs);
  timer.unref();
  const extra = new Map<number, NodeJS.Timeout>();
  return {
    tickAt(at) {
      const slot = Math.ceil(at / TICK_SLACK_MS) * TICK_SLACK_MS;
      if (extra.has(slot)) return;
      // A moment after the due time, so the tick finds it due; unref: a run does not wait for it.
      const once = setTimeout(() => {
        extra.delete(slot);
        void send();
      }, Math.max(0, slot - Date.now()) + TICK_SLACK_MS);
      once.unref();
      extra.set(slot, once);
    },
    stop() {
      clearInterval(timer);
      for (const once of extra.values()) clearTimeout(once);
      extra.clear();
    },
  };
}
