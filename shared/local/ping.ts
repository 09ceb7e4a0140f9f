/**
 * The local mode's PingSource: on a timer, publishes the tick the resync Trigger routes, built
 * from that Trigger's own filter so the route lives in knative/triggers.yaml only.
 */
import { randomUUID } from 'node:crypto';
import { CloudEvent } from 'cloudevents';
import type { Emit } from '../events/emit.js';
import type { Trigger } from './triggers.js';

export interface LocalPinger {
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

export function startPinger(tick: () => CloudEvent<unknown>, publish: Emit, intervalMs: number, onError: (err: unknown) => void): LocalPinger {
  const timer = setInterval(() => {
    publish(tick()).catch(onError);
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
