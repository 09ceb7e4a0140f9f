// dev.dendrite.task.submit: another system hands Dendrite one Task or a whole DAG. Checked whole
// (nothing is created from an invalid submission), created through the API with labels naming
// the event, answered with dev.dendrite.task.submitted, idempotent under redelivery, never
// overwriting a different Task — and the Tasks then run through every function to their Jobs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudEvent, HTTP } from 'cloudevents';
import request from 'supertest';
import { TASK_SUBMIT, TASK_SUBMITTED, type TaskSubmittedData } from '../../shared/events/types.js';
import { EngineHarness } from '../support/engine-harness.js';
import { runToEnd, task } from '../reliability/drive.js';

const NAMESPACES = Array.from({ length: 12 }, (_, i) => `sub${i + 1}`);

describe('task-submit', () => {
  let h: EngineHarness;
  let counter = 0;
  let ns: string;
  before(async () => {
    h = await EngineHarness.start({ submitNamespaces: NAMESPACES });
  });
  after(() => h.close());
  const fresh = () => {
    h.dropSourceEvents();
    h.dropQueued();
    ns = NAMESPACES[counter++]!;
  };
  const submit = (data: object, id = `evt-${counter}`, extra: Record<string, unknown> = {}) =>
    h.deliverTo('task-submit', new CloudEvent({ type: TASK_SUBMIT, source: '/ci/pipeline', id, data, ...extra } as never));
  const names = () => h.api.list('tasks', ns).map((t) => String(t.metadata.name)).sort();

  test('one Task: created with labels naming the event, answered with its uid, then run to its Job', async () => {
    fresh();
    const delivery = await submit({ ...task('solo'), metadata: { name: 'solo', namespace: ns } });
    assert.equal(delivery.status, 200, delivery.error);
    assert.equal(delivery.reply?.type, TASK_SUBMITTED);
    const data = delivery.reply!.data as TaskSubmittedData;
    const stored = h.task('solo', ns);
    assert.deepEqual(data, { namespace: ns, submission: data.submission, items: [{ name: 'solo', uid: stored.metadata.uid, created: true }] });
    assert.match(data.submission, /^[0-9a-f]{16}$/);
    assert.equal((stored.metadata.labels as Record<string, string>)['dendrite.dev/submission'], data.submission);
    assert.deepEqual(
      [(stored.metadata.annotations as Record<string, string>)['dendrite.dev/submitted-by'], (stored.metadata.annotations as Record<string, string>)['dendrite.dev/submission-id']],
      ['/ci/pipeline', `evt-${counter}`],
    );
    await runToEnd(h, ns);
    assert.equal(h.task('solo', ns).status?.phase, 'Succeeded');
  });

  test('a DAG of 50 in one event, some depending on a Task already there: all created, all run, one Job each', async () => {
    fresh();
    h.applyTasks([task('existing')], ns);
    await runToEnd(h, ns);
    const items = Array.from({ length: 50 }, (_, i) => {
      const dependsOn = i === 0 ? ['existing'] : i < 10 ? [`t${i - 1}`] : [`t${i % 10}`, `t${(i * 7) % 10}`].filter((d, j, all) => all.indexOf(d) === j);
      return { ...task(`t${i}`, { dependsOn, prompt: `step ${i} after {{ len .Deps }} dependencies` }), metadata: { name: `t${i}` } };
    });
    const delivery = await submit({ namespace: ns, items });
    assert.equal(delivery.status, 200, delivery.error);
    assert.equal((delivery.reply!.data as TaskSubmittedData).items.length, 50);
    await runToEnd(h, ns);
    for (const item of items) assert.equal(h.task(item.metadata.name, ns).status?.phase, 'Succeeded', item.metadata.name);
    assert.equal(h.jobNames(ns).length, 51);
  });

  test('an invalid submission creates nothing and names every problem in one 400', async () => {
    fresh();
    const ok = { ...task('fine'), metadata: { name: 'fine' } };
    const items = [
      ok,
      { ...task('typo', { promtp: 'x' }), metadata: { name: 'typo' } },
      { ...task('Bad_Name'), metadata: { name: 'Bad_Name' } },
      { ...task('fine'), metadata: { name: 'fine' } },
      { ...task('orphan', { dependsOn: ['nowhere'] }), metadata: { name: 'orphan' } },
      { ...task('loop-a', { dependsOn: ['loop-b'] }), metadata: { name: 'loop-a' } },
      { ...task('loop-b', { dependsOn: ['loop-a'] }), metadata: { name: 'loop-b' } },
      { ...task('broken', { dependsOn: ['fine'], prompt: '{{ range .Deps }' }), metadata: { name: 'broken' } },
      { ...task('elsewhere'), metadata: { name: 'elsewhere', namespace: 'other' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } },
    ];
    const delivery = await submit({ namespace: ns, items });
    assert.equal(delivery.status, 400);
    const error = String(delivery.error);
    assert.match(error, /^the submission is invalid; nothing was created: /);
    for (const expected of [
      /items\[1\] \(typo\): spec\.promtp: unknown field/,
      /items\[2\] \(Bad_Name\): metadata\.name: .*not a valid Task name/,
      /items\[3\] \(fine\): metadata\.name: "fine" is also items\[0\]/,
      /items\[4\] \(orphan\): spec\.dependsOn: "nowhere" is neither in this submission nor a Task in namespace sub\d+/,
      /dependency cycle among the submitted Tasks: (loop-a → loop-b → loop-a|loop-b → loop-a → loop-b)/,
      /items\[7\] \(broken\): spec\.prompt: template: prompt:1: unexpected "}" in operand/,
      /items\[8\] \(elsewhere\): metadata\.namespace: "other" is not the submission's namespace/,
      /items\[9\] \(cm\): only axon\.io\/v1alpha1 Task objects can be submitted, not v1 ConfigMap/,
    ]) {
      assert.match(error, expected);
    }
    assert.deepEqual(names(), []);
  });

  test('redelivered: the same Tasks again are success and nothing is created twice; a different Task under a name is a 422', async () => {
    fresh();
    const items = [
      { ...task('a'), metadata: { name: 'a' } },
      { ...task('b', { dependsOn: ['a'] }), metadata: { name: 'b' } },
    ];
    const first = await submit({ namespace: ns, items }, 'once');
    assert.equal(first.status, 200, first.error);
    const again = await submit({ namespace: ns, items }, 'once');
    assert.equal(again.status, 200, again.error);
    const data = again.reply!.data as TaskSubmittedData;
    assert.deepEqual(data.items.map((i) => i.created), [false, false]);
    assert.deepEqual(data.items.map((i) => i.uid), (first.reply!.data as TaskSubmittedData).items.map((i) => i.uid));
    // A different spec under an existing name, with a new name beside it: nothing is created.
    const changed = await submit({ namespace: ns, items: [{ ...task('a', { prompt: 'something else' }), metadata: { name: 'a' } }, { ...task('c'), metadata: { name: 'c' } }] }, 'other');
    assert.equal(changed.status, 422);
    assert.match(String(changed.error), /^conflict: "a" already exists in namespace sub\d+ with a different spec; nothing was created/);
    assert.deepEqual(names(), ['a', 'b']);
    assert.equal((h.task('a', ns).spec as { prompt?: string }).prompt, 'work on a');
  });

  test('the namespace comes from the event, the data or the Tasks, and must be one the installation serves', async () => {
    fresh();
    const fromExtension = await submit({ ...task('x1'), metadata: { name: 'x1' } }, 'e1', { namespace: ns });
    assert.equal(fromExtension.status, 200, fromExtension.error);
    assert.equal((fromExtension.reply!.data as TaskSubmittedData).namespace, ns);
    const refused = await submit({ ...task('x2'), metadata: { name: 'x2', namespace: 'kube-system' } }, 'e2');
    assert.equal(refused.status, 403);
    assert.match(String(refused.error), /refused: namespace "kube-system" is not one this installation serves/);
    const empty = await submit({ items: [] }, 'e3');
    assert.equal(empty.status, 400);
    assert.match(String(empty.error), /the submission holds no Task/);
  });

  test('a submission over 2 MB is refused before it is read (413)', async () => {
    const items = Array.from({ length: 30 }, (_, i) => ({ ...task(`big${i}`, { prompt: 'x'.repeat(80_000) }), metadata: { name: `big${i}` } }));
    const message = HTTP.binary(new CloudEvent({ type: TASK_SUBMIT, source: '/ci', id: 'huge', data: { items } }));
    const res = await request(h.app('task-submit')).post('/').set(message.headers as Record<string, string>).send(message.body as string);
    assert.equal(res.status, 413);
  });
});
