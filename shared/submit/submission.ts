/**
 * What a `dev.dendrite.task.submit` event asks for: one Task, or `{items: [Task, …]}` — a whole
 * DAG — for one namespace: the event's `namespace` extension, else the data's `namespace`, else
 * the Tasks' own, else the installation's first. The shape is checked here (400 for a malformed
 * event); what the Tasks say is validate.ts's.
 */
import { createHash } from 'node:crypto';
import type { CloudEvent } from 'cloudevents';
import { RefusedEventError } from '../errors.js';
import { BadEventError, objectData } from '../events/receive.js';

export interface Submission {
  namespace: string;
  /** As sent; each checked by validateSubmission. */
  items: unknown[];
  /** Names the event on every Task it creates (label value: hash of source and id). */
  id: string;
  source: string;
  eventId: string;
}

export const SUBMISSION_LABEL = 'dendrite.dev/submission';
export const SUBMITTED_BY_ANNOTATION = 'dendrite.dev/submitted-by';
export const SUBMISSION_ID_ANNOTATION = 'dendrite.dev/submission-id';

/** Most Tasks one event may submit (the body limit, 2 MB, bounds it too). */
export const MAX_SUBMITTED_TASKS = 1000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The namespace an item names, when it names one. */
function itemNamespace(item: unknown): string | undefined {
  const ns = isObject(item) && isObject(item.metadata) ? item.metadata.namespace : undefined;
  return typeof ns === 'string' && ns !== '' ? ns : undefined;
}

export function readSubmission(event: CloudEvent<unknown>, served: readonly string[]): Submission {
  const data = objectData(event, 'a Task object, or {"items": [Task, …]}');
  const items = Array.isArray(data.items) ? data.items : data.kind === undefined && data.items !== undefined ? null : [data];
  if (items === null) throw new BadEventError('"items" must be a list of Task objects');
  if (items.length === 0) throw new BadEventError('the submission holds no Task: give one Task object, or {"items": [Task, …]}');
  if (items.length > MAX_SUBMITTED_TASKS) {
    throw new BadEventError(`the submission holds ${items.length} Tasks; at most ${MAX_SUBMITTED_TASKS} may be submitted at once`);
  }
  const extension = (event as unknown as Record<string, unknown>).namespace;
  const given = [typeof extension === 'string' ? extension : undefined, typeof data.namespace === 'string' ? data.namespace : undefined, ...items.map(itemNamespace)];
  const namespace = given.find((n) => n !== undefined) ?? served[0];
  if (!namespace) throw new BadEventError('the submission names no namespace');
  if (!served.includes(namespace)) {
    throw new RefusedEventError(
      'namespace-not-served',
      `refused: namespace ${JSON.stringify(namespace)} is not one this installation serves (${served.join(', ')})`,
    );
  }
  const id = createHash('sha256').update(`${event.source}\n${event.id}`).digest('hex').slice(0, 16);
  return { namespace, items, id, source: event.source, eventId: event.id };
}
