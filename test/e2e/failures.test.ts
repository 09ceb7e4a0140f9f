/** What goes wrong, end to end: failed dependencies, cycles, invalid Tasks, bad templates, outside completions. */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudEvent } from 'cloudevents';
import { JOB_COMPLETED, TASK_FAILED } from '../../shared/events/types.js';
import { apiServerEvent } from '../support/apiserver-source.js';
import { EngineHarness } from '../support/engine-harness.js';

let namespaceCounter = 0;

function task(name: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>) {
  return {
    apiVersion: 'axon.io/v1alpha1',
    kind: 'Task',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: {
      type: 'claude-code',
      prompt: `work on ${name}`,
      credentials: { type: 'api-key', secretRef: { name: 'key' } },
      ...spec,
    },
  };
}

describe('failures, end to end', () => {
  let h: EngineHarness;
  let ns: string;
  before(async () => {
    h = await EngineHarness.start();
  });
  after(() => h.close());
  beforeEach(() => {
    ns = `ns${++namespaceCounter}`;
  });

  const status = (name: string) => h.task(name, ns).status ?? {};
  const warnings = (name: string) =>
    h.api
      .list('events', ns)
      .filter((e) => (e.involvedObject as { name?: string })?.name === name && e.type === 'Warning')
      .map((e) => String(e.reason));

  test('a failed dependency fails its dependents transitively, each naming the cause, and nothing launches', async () => {
    h.applyTasks(
      [
        task('a', { prompt: 'PLEASE FAIL' }),
        task('b', { dependsOn: ['a'], prompt: '{{ index .Deps "a" "Outputs" }}' }),
        task('c', { dependsOn: ['b'], prompt: '{{ index .Deps "b" "Outputs" }}' }),
      ],
      ns,
    );
    await h.drain();
    h.startJob('a', ns);
    const run = h.finishJob('a', ns);
    assert.equal(run.exitCode, 3);
    await h.drain();
    assert.equal(status('a').phase, 'Failed');
    assert.match(String(status('a').message), /Job failed: BackoffLimitExceeded/);
    assert.deepEqual([status('b').phase, status('b').message], ['Failed', 'Dependency "a" failed']);
    assert.deepEqual([status('c').phase, status('c').message], ['Failed', 'Dependency "b" failed (caused by "a")']);
    assert.deepEqual(h.jobNames(ns), ['a']);
    assert.ok(warnings('b').includes('DependencyFailed'));
    const failedEvents = h.emitted.filter((e) => e.type === TASK_FAILED && (e.data as { namespace: string }).namespace === ns);
    assert.deepEqual(failedEvents.map((e) => (e.data as { name: string }).name).sort(), ['a', 'b', 'c']);
  });

  test('a Task registered after its dependency failed fails at once', async () => {
    h.applyTasks([task('a', { prompt: 'PLEASE FAIL' })], ns);
    await h.drain();
    h.finishJob('a', ns);
    await h.drain();
    h.applyTasks([task('late', { dependsOn: ['a'] })], ns);
    await h.drain();
    assert.deepEqual([status('late').phase, status('late').message], ['Failed', 'Dependency "a" failed']);
    assert.deepEqual(h.jobNames(ns), ['a']);
  });

  test('a cycle fails with a message naming it; a self-dependency is an invalid spec', async () => {
    h.applyTasks([task('x', { dependsOn: ['y'] }), task('y', { dependsOn: ['x'] }), task('self', { dependsOn: ['self'] })], ns);
    await h.drain();
    const messages = [String(status('x').message), String(status('y').message)];
    assert.deepEqual([status('x').phase, status('y').phase], ['Failed', 'Failed']);
    assert.ok(messages.some((m) => /^Dependency cycle: (x → y → x|y → x → y)$/.test(m)), messages.join(' | '));
    assert.equal(status('self').phase, 'Failed');
    assert.match(String(status('self').message), /invalid Task: .*self/);
    assert.deepEqual(h.jobNames(ns), []);
  });

  test('an invalid Task gets a 400 saying what to fix, goes Failed, and the app keeps serving', async () => {
    h.applyTasks([task('ok')], ns);
    const manifest = { ...task('no-prompt'), metadata: { name: 'no-prompt', namespace: ns } };
    delete (manifest.spec as Record<string, unknown>).prompt;
    const bad = h.api.put('tasks', manifest);
    const delivery = await h.deliverTo('task-intake', apiServerEvent('dev.knative.apiserver.resource.add', bad));
    assert.equal(delivery.status, 400);
    assert.match(String(delivery.error), /spec\.prompt/);
    assert.equal(status('no-prompt').phase, 'Failed');
    assert.match(String(status('no-prompt').message), /spec\.prompt/);
    assert.ok(warnings('no-prompt').includes('InvalidTask'));
    await h.drain();
    assert.deepEqual(h.jobNames(ns), ['ok']);
  });

  test('a prompt template that does not parse fails the Task at registration, before its dependencies run', async () => {
    h.applyTasks([task('dep'), task('broken', { dependsOn: ['dep'], prompt: 'line one\n{{ range .Deps }' })], ns);
    await h.drain();
    assert.equal(status('broken').phase, 'Failed');
    assert.match(String(status('broken').message), /^prompt template \(line 2(, column \d+)?\): template: prompt:2: /);
    assert.ok(warnings('broken').includes('TemplateFailed'));
  });

  test('dev.dendrite.job.completed from another system cannot finish a Task that runs an agent', async () => {
    h.applyTasks([task('outside'), task('after', { dependsOn: ['outside'], prompt: 'got {{ index .Deps "outside" "Results" "answer" }}' })], ns);
    await h.drain();
    const completed = new CloudEvent({
      type: JOB_COMPLETED,
      source: '/elsewhere',
      data: { namespace: ns, task: 'outside', succeeded: true, outputs: ['answer: 42'], results: { answer: '42' } },
    });
    const refused = await h.deliverTo('job-status', completed);
    assert.equal(refused.status, 403);
    await h.drain();
    assert.notEqual(status('outside').phase, 'Succeeded');
    assert.equal(status('after').phase, 'Waiting');
    assert.deepEqual(h.jobNames(ns), ['outside']);

    const malformed = await h.deliverTo('job-status', new CloudEvent({ type: JOB_COMPLETED, source: '/elsewhere', data: { namespace: ns, task: 'outside' } }));
    assert.equal(malformed.status, 400);
    assert.match(String(malformed.error), /boolean "succeeded"/);
  });

  test('a late Running event never moves a finished Task back', async () => {
    h.applyTasks([task('done')], ns);
    await h.drain();
    h.startJob('done', ns);
    const running = h.api.get('jobs', ns, 'done')!;
    h.finishJob('done', ns);
    await h.drain();
    assert.equal(status('done').phase, 'Succeeded');
    await h.deliverTo('job-status', apiServerEvent('dev.knative.apiserver.resource.update', running));
    assert.equal(status('done').phase, 'Succeeded');
  });
});
