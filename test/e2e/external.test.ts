// External Tasks (spec.type external): they wait for their dependencies like any Task, are
// announced by task.ready and go Running without a Job, and end only by another system's
// dev.dendrite.job.completed — accepted once released, never for an agent Task, once per Task
// whatever the duplicates and order, and failed by resync when their deadline passes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudEvent } from 'cloudevents';
import { JOB_COMPLETED, TASK_READY, type TaskReadyData } from '../../shared/events/types.js';
import { EngineHarness } from '../support/engine-harness.js';
import { runToEnd, task } from '../reliability/drive.js';

type JobArgs = { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };

function external(name: string, spec: Record<string, unknown> = {}) {
  const t = task(name, { type: 'external', prompt: `run the checks for ${name}`, ...spec }) as { spec: Record<string, unknown> };
  delete t.spec.credentials; // an external Task needs none
  return t;
}

describe('external Tasks', () => {
  let h: EngineHarness;
  let counter = 0;
  let ns: string;
  before(async () => {
    h = await EngineHarness.start({ resync: { lostJobGraceMs: 0 } });
  });
  after(() => h.close());
  const fresh = () => {
    h.dropSourceEvents();
    h.dropQueued();
    ns = `ext${++counter}`;
  };
  const status = (name: string) => h.task(name, ns).status ?? {};
  const completed = (name: string, data: object = {}) =>
    new CloudEvent({ type: JOB_COMPLETED, source: '/ci/pipeline', data: { namespace: ns, task: name, succeeded: true, ...data } });
  const args = (name: string) => (h.api.get('jobs', ns, name) as unknown as JobArgs).spec.template.spec.containers[0]!.args;

  test('released like any Task: task.ready announces it with its rendered prompt, it goes Running, no Job', async () => {
    fresh();
    h.applyTasks([task('build'), external('ci-gate', { dependsOn: ['build'], prompt: 'test branch {{ .Deps.build.Results.branch }}' })], ns);
    await h.drain();
    assert.equal(status('ci-gate').phase, 'Waiting');
    h.startJob('build', ns);
    h.endJob('build', ns, '---AXON_OUTPUTS_START---\nbranch: feature/x\n---AXON_OUTPUTS_END---\n', true);
    await h.drain();
    const ready = h.emitted.find((e) => e.type === TASK_READY && (e.data as TaskReadyData).namespace === ns && (e.data as TaskReadyData).name === 'ci-gate');
    assert.ok(ready, 'task.ready announces it');
    assert.equal((ready.data as TaskReadyData).prompt, 'test branch feature/x');
    assert.equal(status('ci-gate').phase, 'Running');
    assert.match(String(status('ci-gate').message), /waiting for another system to report its outcome/);
    assert.deepEqual(h.jobNames(ns), ['build'], 'no Job for an external Task');
    assert.equal((await h.store.get(ns, 'ci-gate'))?.state, 'launched');
  });

  test('a completion before the Task is released is refused; after it, dependents render what it reported', async () => {
    fresh();
    h.applyTasks([task('build'), external('approval', { dependsOn: ['build'] }), task('deploy', { dependsOn: ['approval'], prompt: 'approved by {{ .Deps.approval.Results.approver }}: {{ .Deps.approval.Response }}' })], ns);
    await h.drain();
    const early = await h.deliverTo('job-status', completed('approval', { outputs: ['approver: alice'] }));
    assert.equal(early.status, 403);
    assert.match(String(early.error), /refused: external Task ext\d+\/approval is not ready yet \(Waiting\)/);
    assert.equal(status('approval').phase, 'Waiting');
    await runToEnd(h, ns);
    assert.equal(status('approval').phase, 'Running');
    const accepted = await h.deliverTo('job-status', completed('approval', { outputs: ['approver: alice'], response: 'Looks good to me.' }));
    assert.equal(accepted.status, 202);
    await runToEnd(h, ns);
    assert.deepEqual([status('approval').phase, status('approval').results, status('approval').response], ['Succeeded', { approver: 'alice' }, 'Looks good to me.']);
    assert.equal(status('deploy').phase, 'Succeeded');
    assert.deepEqual(args('deploy'), ['approved by alice: Looks good to me.']);
  });

  test('a failure report fails it and its dependents; duplicates and late reports keep the first outcome', async () => {
    fresh();
    h.applyTasks([external('gate'), task('after', { dependsOn: ['gate'] })], ns);
    await h.drain();
    assert.equal(status('gate').phase, 'Running');
    const failure = completed('gate', { succeeded: false, message: '3 tests failed' });
    assert.equal((await h.deliverTo('job-status', failure)).status, 202);
    assert.equal((await h.deliverTo('job-status', failure)).status, 202);
    assert.equal((await h.deliverTo('job-status', completed('gate', { succeeded: true, outputs: ['late'] }))).status, 202);
    await h.drain();
    assert.deepEqual([status('gate').phase, status('gate').message], ['Failed', '3 tests failed']);
    assert.deepEqual(status('gate').outputs, []);
    assert.deepEqual([status('after').phase, status('after').message], ['Failed', 'Dependency "gate" failed']);
    assert.deepEqual(h.jobNames(ns), []);
  });

  test('a completion that beats the launcher to the released Task is taken; the launcher then changes nothing', async () => {
    fresh();
    h.applyTasks([external('fast')], ns);
    // Registration releases it: task-intake's reply is the task.ready the outside system also gets.
    for (const event of h.dropSourceEvents()) await h.publish(event);
    const ready = h.dropQueued().find((e) => e.type === TASK_READY);
    assert.ok(ready);
    assert.notEqual(status('fast').phase, 'Running', 'the launcher has not seen it yet');
    assert.equal((await h.deliverTo('job-status', completed('fast', { outputs: ['done'] }))).status, 202);
    assert.equal(status('fast').phase, 'Succeeded');
    assert.equal((await h.deliverTo('launcher', ready)).status, 202);
    await h.drain();
    assert.equal(status('fast').phase, 'Succeeded');
    assert.deepEqual(status('fast').outputs, ['done']);
  });

  test('past its deadline with no report, resync fails it, naming the deadline; an agent Task\'s lost-Job rule never applies', async () => {
    fresh();
    h.applyTasks([external('slow', { podOverrides: { activeDeadlineSeconds: 1 } }), external('patient'), task('next', { dependsOn: ['slow'] })], ns);
    await h.drain();
    assert.deepEqual([status('slow').phase, status('patient').phase], ['Running', 'Running']);
    await h.resync({ namespaces: [ns] });
    await h.resync({ namespaces: [ns] }); // twice: a missing Job is only suspected on the first
    assert.equal(status('slow').phase, 'Running', 'not yet expired');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const report = await h.resync({ namespaces: [ns] });
    assert.deepEqual(report.repairs.map((r) => `${r.kind}:${r.name}`), ['expired:slow']);
    await h.drain();
    assert.deepEqual([status('slow').phase, status('slow').message], ['Failed', 'no dev.dendrite.job.completed arrived within 1 s (spec.podOverrides.activeDeadlineSeconds) of the Task starting']);
    assert.equal(status('next').phase, 'Failed');
    assert.equal(status('patient').phase, 'Running', 'no deadline, no Job: it waits for its report');
  });
});
