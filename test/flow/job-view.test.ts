// A Job as client-node returns it (Date fields, model objects) is read as its JSON would be.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Job } from '@kubernetes/client-node';
import { jobView, viewJob } from '../../shared/flow/job-view.js';

const job: V1Job = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: {
    namespace: 'ns',
    name: 'j',
    uid: 'job-uid',
    labels: { 'axon.io/task': 't' },
    ownerReferences: [{ apiVersion: 'axon.io/v1alpha1', kind: 'Task', name: 't', uid: 'task-uid', controller: true }],
  },
  spec: { template: { spec: { containers: [{ name: 'claude-code', image: 'x', args: ['a long prompt'] }] } } },
  status: {
    active: 0,
    startTime: new Date('2026-12-01T10:00:00Z'),
    completionTime: new Date('2026-12-01T10:05:00Z'),
    conditions: [
      { type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: new Date('2026-12-01T10:04:59Z') },
      { type: 'Complete', status: 'True', lastTransitionTime: new Date('2026-12-01T10:05:00Z') },
    ],
  },
};

test('jobView reads a client-node Job as viewJob reads its JSON', () => {
  const view = jobView(job);
  assert.deepEqual(view, viewJob(JSON.parse(JSON.stringify(job)) as Record<string, unknown>));
  assert.equal(view.outcome?.at, '2026-12-01T10:05:00.000Z');
  assert.equal(view.startTime, '2026-12-01T10:00:00.000Z');
  assert.equal(view.taskUid, 'task-uid');
  assert.equal(view.container, 'claude-code');
});

test('jobView of a failed Job, and of one with no status yet', () => {
  const failed: V1Job = {
    ...job,
    status: { failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'gave up', lastTransitionTime: new Date('2026-12-01T11:00:00Z') }] },
  };
  assert.deepEqual(jobView(failed).outcome, { succeeded: false, at: '2026-12-01T11:00:00.000Z', reason: 'BackoffLimitExceeded', message: 'gave up' });
  const fresh: V1Job = { ...job, status: undefined };
  assert.deepEqual(jobView(fresh), viewJob(JSON.parse(JSON.stringify(fresh)) as Record<string, unknown>));
  assert.equal(jobView(fresh).outcome, undefined);
});
