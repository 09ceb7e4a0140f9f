import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics, secondsBetween } from '../../shared/metrics/metrics.js';

test('each Metrics has its own registry with the dendrite series', async () => {
  const a = createMetrics();
  const b = createMetrics();
  a.taskCompleted.inc({ namespace: 'ns', phase: 'Succeeded' });
  const names = (await a.registry.getMetricsAsJSON()).map((m) => m.name).sort();
  assert.deepEqual(names, [
    'dendrite_dependency_wait_seconds',
    'dendrite_event_handling_seconds',
    'dendrite_events_refused_total',
    'dendrite_task_completed_total',
    'dendrite_task_cost_usd_total',
    'dendrite_task_created_total',
    'dendrite_task_duration_seconds',
    'dendrite_task_tokens_total',
    'dendrite_tasks_expired_total',
  ]);
  assert.match(await a.registry.metrics(), /^dendrite_task_completed_total\{namespace="ns",phase="Succeeded"\} 1$/m);
  assert.doesNotMatch(await b.registry.metrics(), /phase="Succeeded"/, 'registries are not shared');
});

test('default process metrics only when asked for', async () => {
  assert.doesNotMatch(await createMetrics().registry.metrics(), /process_cpu_seconds_total/);
  assert.match(await createMetrics({ defaultMetrics: true }).registry.metrics(), /^process_cpu_seconds_total /m);
});

test('secondsBetween: forward intervals only', () => {
  assert.equal(secondsBetween('2026-01-01T00:00:00Z', '2026-01-01T00:01:30Z'), 90);
  assert.equal(secondsBetween('2026-01-01T00:00:00Z', new Date('2026-01-01T00:00:00.500Z')), 0.5);
  assert.equal(secondsBetween(undefined, '2026-01-01T00:00:00Z'), undefined);
  assert.equal(secondsBetween('not a time', '2026-01-01T00:00:00Z'), undefined);
  assert.equal(secondsBetween('2026-01-01T00:01:00Z', '2026-01-01T00:00:00Z'), undefined);
});
