/**
 * `when.cloudEvent`: a spawner for any system's events — a CI failure, an alert, a chat
 * command. It matches on the event's type, and on its source, subject and further attributes
 * when given (exact values); each matching event makes one Task named after its source and id,
 * so a redelivered event makes none more.
 */
import { createHash } from 'node:crypto';
import type { CloudEvent } from 'cloudevents';
import type { WorkItem } from './item.js';
import type { CloudEventWhen } from './model.js';

/** Types a cloudEvent spawner may not take: Dendrite's own flow, which it would feed back into. */
export const RESERVED_TYPE_PREFIXES = ['dev.dendrite.', 'dev.knative.apiserver.', 'dev.knative.sources.ping', 'dev.knative.source.github.'];

export function reservedType(type: string): boolean {
  return RESERVED_TYPE_PREFIXES.some((p) => type.startsWith(p));
}

function attribute(event: CloudEvent<unknown>, name: string): string | undefined {
  const value = (event as unknown as Record<string, unknown>)[name.toLowerCase()];
  return value === undefined || value === null ? undefined : String(value);
}

export function matchesCloudEvent(when: CloudEventWhen, event: CloudEvent<unknown>): boolean {
  if (event.type !== when.type) return false;
  if (when.source !== undefined && event.source !== when.source) return false;
  if (when.subject !== undefined && event.subject !== when.subject) return false;
  return Object.entries(when.filter ?? {}).every(([name, value]) => attribute(event, name) === value);
}

/** `.Event`: every attribute the event carries, and its data (JSON, or text). */
export function eventItem(event: CloudEvent<unknown>): WorkItem {
  const { data, data_base64: _base64, ...attributes } = event.toJSON() as Record<string, unknown>;
  const id = createHash('sha256').update(`${event.source}\n${event.id}`).digest('hex').slice(0, 10);
  const body = typeof data === 'string' ? data : data === undefined ? '' : JSON.stringify(data);
  return { id, title: event.subject ?? event.type, body, time: event.time, event: { ...attributes, data: data ?? null } };
}
