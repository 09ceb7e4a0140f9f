// A Task's lifecycle through every function, the fake API server and real Redis: its time to
// live (ttlSecondsAfterFinished, as Axon means it: the Task is deleted, its Job with it), what a
// deletion leaves to dependents registered before it and after it, a name taken again by a new
// Task, and index entries whose delete event was lost, forgotten by resync.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineHarness } from '../support/engine-harness.js';
import type { StoredObject } from '../support/fake-apiserver.js';
import { runToEnd, task } from '../reliability/drive.js';

type JobArgs = { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };

const OUTPUT = (line: string) => `working\n---AXON_OUTPUTS_START---\n${line}\n---AXON_OUTPUTS_END---\n`;

describe('Task lifecycle: time to live and deletions', () => {
  let h: EngineHarness;
  let counter = 0;
  let ns: string;
  /** Every version of every Task the API server stored, and each deletion, in order. */
  const history: Array<{ name: string; namespace: string; deleted: boolean; status?: Record<string, unknown>; kind: string; reason?: string }> = [];
  before(async () => {
    h = await EngineHarness.start();
    h.api.onChange((obj: StoredObject, deleted) => {
      const meta = obj.metadata as { name: string; namespace: string };
      history.push({
        kind: String(obj.kind),
        name: meta.name,
        namespace: meta.namespace,
        deleted,
        status: obj.status as Record<string, unknown> | undefined,
        reason: typeof (obj as unknown as { reason?: unknown }).reason === 'string' ? String((obj as unknown as { reason: string }).reason) : undefined,
      });
    });
  });
  after(() => h.close());
  const fresh = () => {
    h.dropSourceEvents();
    h.dropQueued();
    ns = `life${++counter}`;
  };
  const exists = (name: string) => h.api.get('tasks', ns, name) !== undefined;
  const status = (name: string) => h.task(name, ns).status ?? {};
  const prompt = (name: string) => (h.api.get('jobs', ns, name) as unknown as JobArgs).spec.template.spec.containers[0]!.args[0];
  const finish = async (name: string, line: string) => {
    h.startJob(name, ns);
    h.endJob(name, ns, OUTPUT(line), true);
    await h.drain();
  };
  const eventsOf = (name: string) => h.api.list('events', ns).filter((e) => (e.involvedObject as { name?: string }).name === name).map((e) => String(e.reason));

  test('TTL 0: outputs in status, TaskExpired, then the Task and its Job go; a dependent registered before renders what it made', async () => {
    fresh();
    h.applyTasks([task('quick', { ttlSecondsAfterFinished: 0 }), task('slow'), task('report', { dependsOn: ['quick', 'slow'], prompt: 'quick said {{ .Deps.quick.Results.answer }}' })], ns);
    await h.drain();
    assert.equal(status('report').phase, 'Waiting');
    await finish('quick', 'answer: 42');
    assert.equal(exists('quick'), false, 'deleted at once');
    assert.equal(h.api.get('jobs', ns, 'quick'), undefined, 'its Job went with it');
    const mine = history.filter((c) => c.namespace === ns && (c.name === 'quick' || c.kind === 'Event'));
    const deletion = mine.findIndex((c) => c.kind === 'Task' && c.deleted);
    const before = mine.slice(0, deletion).filter((c) => c.kind === 'Task' && c.name === 'quick').at(-1);
    assert.equal(before?.status?.phase, 'Succeeded');
    assert.deepEqual(before?.status?.outputs, ['answer: 42'], 'the outputs were in its status when it was deleted');
    assert.ok(mine.slice(0, deletion).some((c) => c.kind === 'Event' && c.reason === 'TaskExpired'), 'TaskExpired was recorded first');
    assert.equal((await h.store.get(ns, 'quick'))?.state, 'deleted', 'a tombstone: report still needs its data');

    await finish('slow', 'done: yes');
    assert.equal(prompt('report'), 'quick said 42');
    await runToEnd(h, ns);
    assert.equal(status('report').phase, 'Succeeded');
    assert.equal(exists('slow'), true, 'no TTL: kept');
    // Nothing wants the tombstone any more: once its retention has passed, resync's walk of the
    // index purges it.
    assert.equal((await h.resync()).counts.forget ?? 0, 0, 'kept within the retention');
    assert.equal((await h.store.get(ns, 'quick'))?.state, 'deleted');
    h.advance(h.resyncOptions.tombstoneRetentionMs + 1000);
    const report = await h.resync();
    assert.equal(report.counts.forget, 1);
    assert.equal(await h.store.get(ns, 'quick'), null);
  });

  test('TTL 1: kept until due, then deleted by the resync tick; a Task created after waits, told why, and goes on with a new Task of the name', async () => {
    fresh();
    h.applyTasks([task('source', { ttlSecondsAfterFinished: 1 })], ns);
    await h.drain();
    await finish('source', 'version: 1');
    assert.equal(status('source').phase, 'Succeeded');
    assert.equal((await h.resync()).counts.ttl ?? 0, 0, 'not due yet');
    assert.equal(exists('source'), true);

    h.advance(1500);
    const report = await h.resync();
    assert.equal(report.counts.ttl, 1);
    assert.equal(exists('source'), false);
    assert.ok(eventsOf('source').includes('TaskExpired'));
    await h.drain(); // the delete event: task-intake records it again, harmlessly
    assert.equal((await h.store.get(ns, 'source'))?.state, 'deleted', 'a tombstone, for Tasks created before it went');

    // Registered after it went (creation times have whole seconds: one later): it waits, and says so.
    h.advance(1000);
    h.applyTasks([task('consumer', { dependsOn: ['source'], prompt: 'use {{ .Deps.source.Results.version }}' })], ns);
    await h.drain();
    assert.equal(status('consumer').phase, 'Waiting');
    assert.equal(
      status('consumer').message,
      'Waiting for dependencies: source — source was deleted before this Task was created; it goes on when a new Task of that name is created and succeeds',
    );
    assert.deepEqual(h.jobNames(ns), [], 'not released against a Task that is gone');

    // A new Task of the name: the consumer renders what it makes, not the deleted one's.
    h.applyTasks([task('source')], ns);
    await h.drain();
    await finish('source', 'version: 2');
    assert.equal(prompt('consumer'), 'use 2');
  });

  test('deleted while a dependent waits on another dependency: that dependent keeps its data; one created after is told it was deleted', async () => {
    fresh();
    h.applyTasks([task('a', { ttlSecondsAfterFinished: 0 }), task('b'), task('early', { dependsOn: ['a', 'b'], prompt: 'a={{ .Deps.a.Results.v }} b={{ .Deps.b.Results.v }}' })], ns);
    await h.drain();
    await finish('a', 'v: first');
    assert.equal(exists('a'), false);
    h.advance(1000); // created a second after the deletion (creation times have whole seconds)
    h.applyTasks([task('late', { dependsOn: ['a'], prompt: 'late a={{ .Deps.a.Results.v }}' })], ns);
    await h.drain();
    assert.equal(status('late').phase, 'Waiting');
    assert.match(String(status('late').message), /^Waiting for dependencies: a — a was deleted before this Task was created; it goes on when a new Task of that name is created and succeeds$/);

    // A new `a` succeeds: `late` runs with it; `early`, registered before, still renders the first.
    h.applyTasks([task('a')], ns);
    await h.drain();
    await finish('a', 'v: second');
    assert.equal(prompt('late'), 'late a=second');
    await finish('b', 'v: bee');
    assert.equal(prompt('early'), 'a=first b=bee');
  });

  test('TTL on a failure: a failed Task is deleted too, once its failure is recorded', async () => {
    fresh();
    h.applyTasks([task('broken', { ttlSecondsAfterFinished: 0 }), task('after', { dependsOn: ['broken'] })], ns);
    await h.drain();
    h.startJob('broken', ns);
    h.endJob('broken', ns, 'fatal: no\n', false);
    await h.drain();
    assert.equal(exists('broken'), false);
    assert.equal(status('after').phase, 'Failed');
    assert.equal(status('after').message, 'Dependency "broken" failed');
  });

  test('a lost delete event: resync forgets the entry, and a new Task of the name registers fresh and runs', async () => {
    fresh();
    h.applyTasks([task('gone')], ns);
    await runToEnd(h, ns);
    assert.equal(status('gone').phase, 'Succeeded');
    // Deleted by hand, and the delete event never arrives.
    h.api.remove('tasks', ns, 'gone');
    h.api.remove('jobs', ns, 'gone');
    h.dropSourceEvents();
    assert.equal((await h.store.get(ns, 'gone'))?.state, 'succeeded', 'the index still holds it');
    const report = await h.resync();
    assert.equal(report.counts.forget, 1);
    assert.equal((await h.store.get(ns, 'gone'))?.state, 'deleted', 'a tombstone, as its delete event would have left');

    h.applyTasks([task('gone', { prompt: 'again' }), task('next', { dependsOn: ['gone'] })], ns);
    await h.drain();
    assert.equal(status('next').phase, 'Waiting', 'not released by the old entry');
    assert.deepEqual(h.jobNames(ns), ['gone']);
    await runToEnd(h, ns);
    assert.equal(status('next').phase, 'Succeeded');
  });

  test('a dependent waiting on a deleted dependency and on one whose completion event was lost: resync still releases it', async () => {
    fresh();
    h.applyTasks([task('x', { ttlSecondsAfterFinished: 0 }), task('y'), task('z', { dependsOn: ['x', 'y'], prompt: '{{ .Deps.x.Results.k }}/{{ .Deps.y.Results.k }}' })], ns);
    await h.drain();
    await finish('x', 'k: one');
    h.startJob('y', ns);
    h.endJob('y', ns, OUTPUT('k: two'), true);
    h.dropSourceEvents(); // the Job's completion event is lost
    // First run: completes y from its Job; the release of z follows from that completion.
    await h.resync();
    await h.drain();
    assert.equal(prompt('z'), 'one/two');
  });

  test('unset TTL: never deleted, whatever the clock says', async () => {
    fresh();
    h.applyTasks([task('keeper')], ns);
    await runToEnd(h, ns);
    h.advance(10 * 365 * 24 * 3600 * 1000);
    assert.equal((await h.resync()).counts.ttl ?? 0, 0);
    assert.equal(exists('keeper'), true);
  });
});
