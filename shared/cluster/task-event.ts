/**
 * The core/v1 Event recorded on a Task, shaped so `kubectl describe task` and
 * `kubectl get events` show it like a controller's own. Setting `eventTime` makes the API
 * server validate it as a "new" Event: reportingComponent, reportingInstance and action
 * become required, the reason is limited to 128 characters and the message to 1024 bytes.
 */
import { randomBytes } from 'node:crypto';
import { V1MicroTime, type CoreV1Event } from '@kubernetes/client-node';
import { TASK_API_VERSION, TASK_KIND } from '../task/model.js';
import type { TaskEventInput } from './cluster.js';

export const REPORTING_COMPONENT = 'dendrite';

const MAX_NAME = 253;
const MAX_REASON = 128;
const MAX_MESSAGE_BYTES = 1024;

/** Cut to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const ellipsis = '…';
  let bytes = Buffer.byteLength(ellipsis);
  let out = '';
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > maxBytes) break;
    out += ch;
    bytes += size;
  }
  return out + ellipsis;
}

/** `<task>.<16 hex>`, like client-go's `<object>.<timestamp hex>`, kept a valid DNS subdomain. */
export function eventName(taskName: string, random: Buffer = randomBytes(8)): string {
  const suffix = random.toString('hex');
  const head = taskName.slice(0, MAX_NAME - suffix.length - 1).replace(/[.-]+$/, '');
  return `${head}.${suffix}`;
}

export interface TaskEventOptions {
  reportingInstance: string;
  now?: Date;
}

export function buildTaskEvent(
  task: { namespace: string; name: string; uid: string },
  event: TaskEventInput,
  options: TaskEventOptions,
): CoreV1Event {
  const now = options.now ?? new Date();
  const reason = event.reason.slice(0, MAX_REASON);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: eventName(task.name), namespace: task.namespace },
    involvedObject: {
      apiVersion: TASK_API_VERSION,
      kind: TASK_KIND,
      name: task.name,
      namespace: task.namespace,
      uid: task.uid,
    },
    type: event.type,
    reason,
    // The port has no separate action; the reason says what happened, which is what action means.
    action: reason,
    message: truncateUtf8(event.message, MAX_MESSAGE_BYTES),
    source: { component: REPORTING_COMPONENT },
    reportingComponent: REPORTING_COMPONENT,
    reportingInstance: options.reportingInstance.slice(0, 128),
    firstTimestamp: now,
    lastTimestamp: now,
    // V1MicroTime serialises with six fractional digits; a plain Date's three are rejected.
    eventTime: new V1MicroTime(now.getTime()),
    count: 1,
  };
}
