/** Reading what a batch/v1 Job says about its Task, from the object alone. */
import type { V1Job } from '@kubernetes/client-node';
import { BadEventError } from '../events/receive.js';

export const TASK_LABEL = 'axon.io/task';

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface JobView {
  namespace: string;
  jobName: string;
  uid?: string;
  /** The Task this Job runs (label axon.io/task); undefined for Jobs that are not ours. */
  taskName?: string;
  /** The Task's uid from the controller ownerReference. */
  taskUid?: string;
  container?: string;
  active: number;
  startTime?: string;
  /** Terminal outcome, when a terminal condition is true. */
  outcome?: { succeeded: boolean; at?: string; reason?: string; message?: string };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * Newer Kubernetes first sets SuccessCriteriaMet / FailureTarget, then Complete / Failed once
 * the pods are gone; either is final for the Task, so the first one seen decides.
 */
function terminalOutcome(conditions: Condition[]): JobView['outcome'] {
  const isTrue = (type: string) => conditions.find((c) => c.type === type && c.status === 'True');
  const success = isTrue('Complete') ?? isTrue('SuccessCriteriaMet');
  if (success) return { succeeded: true, at: success.lastTransitionTime };
  const failure = isTrue('Failed') ?? isTrue('FailureTarget');
  if (failure) return { succeeded: false, at: failure.lastTransitionTime, reason: failure.reason, message: failure.message };
  return undefined;
}

export function viewJob(data: Record<string, unknown>): JobView {
  if (data.kind !== 'Job' || data.apiVersion !== 'batch/v1') {
    throw new BadEventError(`job-status expects a batch/v1 Job in the event data, got kind "${String(data.kind)}"`);
  }
  const meta = record(data.metadata);
  const namespace = meta.namespace;
  const jobName = meta.name;
  if (typeof namespace !== 'string' || typeof jobName !== 'string' || !namespace || !jobName) {
    throw new BadEventError('the Job in the event data must have metadata.namespace and metadata.name');
  }
  const labels = record(meta.labels);
  const owners = Array.isArray(meta.ownerReferences) ? (meta.ownerReferences as Record<string, unknown>[]) : [];
  const owner = owners.find((o) => o.kind === 'Task' && o.controller === true) ?? owners.find((o) => o.kind === 'Task');
  const spec = record(record(record(data.spec).template).spec);
  const containers = Array.isArray(spec.containers) ? (spec.containers as Record<string, unknown>[]) : [];
  const status = record(data.status);
  const conditions = Array.isArray(status.conditions) ? (status.conditions as Condition[]) : [];
  const completionTime = typeof status.completionTime === 'string' ? status.completionTime : undefined;
  const outcome = terminalOutcome(conditions);
  if (outcome && outcome.succeeded && completionTime) outcome.at = completionTime;
  return {
    namespace,
    jobName,
    uid: typeof meta.uid === 'string' ? meta.uid : undefined,
    taskName: typeof labels[TASK_LABEL] === 'string' ? (labels[TASK_LABEL] as string) : undefined,
    taskUid: typeof owner?.uid === 'string' ? owner.uid : undefined,
    container: typeof containers[0]?.name === 'string' ? (containers[0].name as string) : undefined,
    active: typeof status.active === 'number' ? status.active : 0,
    startTime: typeof status.startTime === 'string' ? status.startTime : undefined,
    outcome,
  };
}

const iso = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : value);

/**
 * A Job read from the API: client-node hands back model objects with Date fields; the view
 * reads JSON. Only what viewJob reads is carried over (a JSON round trip of the whole Job, pod
 * template included, was a sixth of job-status's time per event).
 */
export function jobView(job: V1Job): JobView {
  const status = job.status;
  return viewJob({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: job.metadata ?? {},
    spec: { template: { spec: { containers: (job.spec?.template.spec?.containers ?? []).map((c) => ({ name: c.name })) } } },
    status: status
      ? {
          active: status.active,
          startTime: iso(status.startTime),
          completionTime: iso(status.completionTime),
          conditions: (status.conditions ?? []).map((c) => ({ ...c, lastTransitionTime: iso(c.lastTransitionTime), lastProbeTime: iso(c.lastProbeTime) })),
        }
      : {},
  });
}
