/**
 * Knative Triggers read from the same manifests the cluster uses (knative/triggers.yaml), so
 * the local broker routes exactly as the real one: a Trigger's `filter.attributes` must all
 * equal the event's attributes (exact match; an empty filter takes every event).
 */
import { readFileSync } from 'node:fs';
import type { CloudEvent } from 'cloudevents';
import { parseAllDocuments } from 'yaml';

export interface Trigger {
  name: string;
  broker: string;
  /** Attribute name → required value. */
  filter: Record<string, string>;
  /** The subscriber's name (a Knative Service's, or the raw URI when given as `uri`). */
  subscriber: string;
}

export class TriggerError extends Error {
  override readonly name = 'TriggerError';
}

type Json = Record<string, unknown>;

const asRecord = (value: unknown): Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};

export function parseTriggers(text: string, file = 'triggers'): Trigger[] {
  const triggers: Trigger[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors[0]) throw new TriggerError(`${file}: ${doc.errors[0].message}`);
    const object = asRecord(doc.toJS());
    if (object.kind !== 'Trigger') continue;
    const name = String(asRecord(object.metadata).name ?? '');
    const spec = asRecord(object.spec);
    const attributes = asRecord(asRecord(spec.filter).attributes);
    const filter: Record<string, string> = {};
    for (const [attribute, value] of Object.entries(attributes)) filter[attribute.toLowerCase()] = String(value);
    const subscriber = asRecord(spec.subscriber);
    const target = String(asRecord(subscriber.ref).name ?? subscriber.uri ?? '');
    if (!name || !target) throw new TriggerError(`${file}: every Trigger needs metadata.name and spec.subscriber`);
    if (spec.filters !== undefined) {
      // The newer SQL-like `filters` would be silently ignored here and route too much.
      throw new TriggerError(`${file}: Trigger ${name} uses spec.filters; the local broker understands filter.attributes only`);
    }
    triggers.push({ name, broker: String(spec.broker ?? 'default'), filter, subscriber: target });
  }
  return triggers;
}

export function loadTriggers(file: string): Trigger[] {
  return parseTriggers(readFileSync(file, 'utf8'), file);
}

/**
 * Whether the event has every attribute the Trigger's filter asks for, with the same value
 * (an empty value stands for any value, as Knative reads it).
 */
export function matches(trigger: Trigger, event: CloudEvent<unknown>): boolean {
  const attributes = event as unknown as Record<string, unknown>;
  return Object.entries(trigger.filter).every(([attribute, value]) => {
    const actual = attributes[attribute];
    return value === '' || (actual !== undefined && actual !== null && String(actual) === value);
  });
}
