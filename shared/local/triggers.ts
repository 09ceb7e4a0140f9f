/**
 * Knative Triggers read from the same manifests the cluster uses (knative/triggers.yaml), so
 * the local broker routes exactly as the real one: a Trigger's `filter.attributes` must all
 * equal the event's attributes (exact match; an empty filter takes every event). The newer
 * `spec.filters` are understood in their exact / prefix / suffix / all / any / not dialects
 * (every expression must hold; when given, `filter` is ignored, as Knative does); CESQL is refused.
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
  /** `spec.filters`, when given: every expression must hold. */
  filters?: FilterExpression[];
}

export type FilterExpression =
  | { exact: Record<string, string> }
  | { prefix: Record<string, string> }
  | { suffix: Record<string, string> }
  | { all: FilterExpression[] }
  | { any: FilterExpression[] }
  | { not: FilterExpression };

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
    const trigger: Trigger = { name, broker: String(spec.broker ?? 'default'), filter, subscriber: target };
    if (spec.filters !== undefined) {
      if (!Array.isArray(spec.filters)) throw new TriggerError(`${file}: Trigger ${name}: spec.filters must be a list`);
      trigger.filters = spec.filters.map((f) => readExpression(f, `${file}: Trigger ${name}`));
    }
    triggers.push(trigger);
  }
  return triggers;
}

const DIALECTS = ['exact', 'prefix', 'suffix', 'all', 'any', 'not'];

function readExpression(value: unknown, where: string): FilterExpression {
  const object = asRecord(value);
  const keys = Object.keys(object);
  if (keys.length !== 1 || !DIALECTS.includes(keys[0]!)) {
    // Anything else (CESQL) would be ignored here and route too much.
    throw new TriggerError(`${where}: a filter is one of ${DIALECTS.join(', ')}; the local broker does not understand ${JSON.stringify(keys)}`);
  }
  const dialect = keys[0]!;
  const body = object[dialect];
  if (dialect === 'all' || dialect === 'any') {
    if (!Array.isArray(body)) throw new TriggerError(`${where}: ${dialect} takes a list of filters`);
    return { [dialect]: body.map((b) => readExpression(b, where)) } as FilterExpression;
  }
  if (dialect === 'not') return { not: readExpression(body, where) };
  const attributes: Record<string, string> = {};
  for (const [attribute, v] of Object.entries(asRecord(body))) attributes[attribute.toLowerCase()] = String(v);
  if (Object.keys(attributes).length === 0) throw new TriggerError(`${where}: ${dialect} names no attribute`);
  return { [dialect]: attributes } as FilterExpression;
}

function attributeOf(event: CloudEvent<unknown>, attribute: string): string | undefined {
  const actual = (event as unknown as Record<string, unknown>)[attribute];
  return actual === undefined || actual === null ? undefined : String(actual);
}

function holds(expression: FilterExpression, event: CloudEvent<unknown>): boolean {
  const each = (attributes: Record<string, string>, test: (actual: string, value: string) => boolean) =>
    Object.entries(attributes).every(([attribute, value]) => {
      const actual = attributeOf(event, attribute);
      return actual !== undefined && test(actual, value);
    });
  if ('exact' in expression) return each(expression.exact, (a, v) => a === v);
  if ('prefix' in expression) return each(expression.prefix, (a, v) => a.startsWith(v));
  if ('suffix' in expression) return each(expression.suffix, (a, v) => a.endsWith(v));
  if ('all' in expression) return expression.all.every((e) => holds(e, event));
  if ('any' in expression) return expression.any.some((e) => holds(e, event));
  return !holds(expression.not, event);
}

export function loadTriggers(file: string): Trigger[] {
  return parseTriggers(readFileSync(file, 'utf8'), file);
}

/**
 * Whether the event has every attribute the Trigger's filter asks for, with the same value
 * (an empty value stands for any value, as Knative reads it).
 */
export function matches(trigger: Trigger, event: CloudEvent<unknown>): boolean {
  if (trigger.filters) return trigger.filters.every((f) => holds(f, event));
  const attributes = event as unknown as Record<string, unknown>;
  return Object.entries(trigger.filter).every(([attribute, value]) => {
    const actual = attributes[attribute];
    return value === '' || (actual !== undefined && actual !== null && String(actual) === value);
  });
}
