/**
 * Creating what a submission asks for, all or nothing as far as checking can tell: the whole
 * submission is checked (validate.ts) and compared with what the namespace already holds before
 * the first Task is created. A Task already there with the same spec is success (a redelivered
 * event creates nothing twice); one with another spec refuses the submission (422) — it is
 * never overwritten.
 */
import { BadEventError } from '../events/receive.js';
import type { Cluster, NewTask } from '../cluster/cluster.js';
import type { Task } from '../task/model.js';
import { SUBMISSION_ID_ANNOTATION, SUBMISSION_LABEL, SUBMITTED_BY_ANNOTATION, type Submission } from './submission.js';
import { checkSubmission, type CheckedItem, type SubmissionChecks } from './validate.js';

export interface SubmittedTask {
  name: string;
  uid: string;
  /** False when it was there already, as submitted (a redelivery). */
  created: boolean;
}

/** JSON with object keys in order, to compare specs whatever order a client wrote them in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const sameSpec = (existing: Task, item: CheckedItem) => canonical(existing.spec) === canonical(item.manifest.spec);

function conflict(namespace: string, names: string[]): BadEventError {
  return new BadEventError(
    `conflict: ${names.map((n) => `"${n}"`).join(', ')} already exist${names.length === 1 ? 's' : ''} in namespace ${namespace} ` +
      'with a different spec; nothing was created — delete the existing Task, or submit under another name',
    422,
  );
}

function toCreate(item: CheckedItem, submission: Submission): NewTask {
  const { metadata } = item.manifest;
  return {
    ...item.manifest,
    metadata: {
      ...metadata,
      labels: { ...((metadata.labels as Record<string, string> | undefined) ?? {}), [SUBMISSION_LABEL]: submission.id },
      annotations: {
        ...((metadata.annotations as Record<string, string> | undefined) ?? {}),
        [SUBMITTED_BY_ANNOTATION]: submission.source,
        [SUBMISSION_ID_ANNOTATION]: submission.eventId,
      },
    },
  };
}

/** Throws BadEventError (400 invalid, 422 conflict) before creating anything; TransientError when the API is down. */
export async function submitTasks(cluster: Cluster, checks: SubmissionChecks, submission: Submission): Promise<SubmittedTask[]> {
  const { namespace } = submission;
  const checked = await checkSubmission(submission.items, namespace, checks);
  if (!checked.ok) {
    throw new BadEventError(`the submission is invalid; nothing was created: ${checked.problems.join('; ')}`);
  }
  const existing = await Promise.all(checked.items.map((i) => cluster.getTask(namespace, i.task.metadata.name)));
  const conflicting = checked.items.filter((item, i) => existing[i] && !sameSpec(existing[i]!, item)).map((i) => i.task.metadata.name);
  if (conflicting.length > 0) throw conflict(namespace, conflicting);

  const submitted: SubmittedTask[] = [];
  for (const [i, item] of checked.items.entries()) {
    const name = item.task.metadata.name;
    const there = existing[i];
    if (there) {
      submitted.push({ name, uid: there.metadata.uid, created: false });
      continue;
    }
    const outcome = await cluster.createTask(toCreate(item, submission));
    if (outcome.result === 'created') {
      submitted.push({ name, uid: outcome.task.metadata.uid, created: true });
      continue;
    }
    // Created meanwhile (a concurrent delivery of the same event, or someone else).
    const now = await cluster.getTask(namespace, name);
    if (!now || !sameSpec(now, item)) throw conflict(namespace, [name]);
    submitted.push({ name, uid: now.metadata.uid, created: false });
  }
  return submitted;
}
