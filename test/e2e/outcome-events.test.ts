// task.succeeded / task.failed of a Task a TaskSpawner made carry the spawner's name as the
// `taskspawner` extension (from the Task's axon.io/taskspawner label), whichever way the Task
// ended: its Job succeeded, its Job failed, or a dependency failed. Other Tasks' carry none.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CloudEvent } from 'cloudevents';
import { TASK_FAILED, TASK_SUCCEEDED, TASKSPAWNER_EXTENSION } from '../../shared/events/types.js';
import { EngineHarness } from '../support/engine-harness.js';
import { task } from '../reliability/drive.js';

let h: EngineHarness;
before(async () => {
  h = await EngineHarness.start();
});
after(() => h.close());

const spawned = (name: string, spawner: string, spec: Record<string, unknown> = {}) => {
  const t = task(name, spec);
  return { ...t, metadata: { ...t.metadata, labels: { 'axon.io/taskspawner': spawner } } };
};

function outcomeOf(name: string): CloudEvent<unknown> {
  const event = h.emitted.find((e) => (e.type === TASK_SUCCEEDED || e.type === TASK_FAILED) && (e.data as { name?: string }).name === name);
  assert.ok(event, `an outcome event for ${name}`);
  return event;
}

test('outcome events name the spawner of a spawned Task, and no spawner for any other', async () => {
  h.applyTasks([
    spawned('fix-1', 'fix-bugs'),
    spawned('fix-2', 'fix-bugs'),
    spawned('fix-2-review', 'reviews', { dependsOn: ['fix-2'] }),
    task('plain'),
  ]);
  await h.drain();
  for (const name of ['fix-1', 'fix-2', 'plain']) h.startJob(name, 'default');
  h.endJob('fix-1', 'default', 'done\n', true);
  h.endJob('fix-2', 'default', 'it broke\n', false);
  h.endJob('plain', 'default', 'done\n', true);
  await h.drain();
  const extension = (name: string) => (outcomeOf(name) as unknown as Record<string, unknown>)[TASKSPAWNER_EXTENSION];
  assert.equal(outcomeOf('fix-1').type, TASK_SUCCEEDED);
  assert.equal(extension('fix-1'), 'fix-bugs');
  assert.equal(outcomeOf('fix-2').type, TASK_FAILED);
  assert.equal(extension('fix-2'), 'fix-bugs');
  assert.equal(outcomeOf('fix-2-review').type, TASK_FAILED, 'failed with its dependency, without a Job');
  assert.equal(extension('fix-2-review'), 'reviews');
  assert.equal(extension('plain'), undefined);
});
