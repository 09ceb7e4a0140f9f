/**
 * Tasks that name a Workspace or an AgentConfig, end to end: every function over HTTP, real
 * Redis, the Kubernetes client against the fake API server, the ApiServerSource stand-in
 * watching Tasks, Jobs, Workspaces and AgentConfigs. A Task waits for what it names — no
 * polling: the object's creation lets it go — and a Workspace deleted before the launch puts
 * it back to waiting, while a Job already made is left alone.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudEvent } from 'cloudevents';
import { APISERVER_ADD } from '../../shared/events/types.js';
import { EngineHarness } from '../support/engine-harness.js';

let counter = 0;

function task(name: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'axon.io/v1alpha1',
    kind: 'Task',
    metadata: { name },
    spec: { type: 'claude-code', prompt: `work on ${name}`, credentials: { type: 'api-key', secretRef: { name: 'key' } }, ...spec },
  };
}

const WS = { workspaceRef: { name: 'repo' } };
const AC = { agentConfigRef: { name: 'rules' } };

interface PodSpec {
  initContainers?: Array<{ name: string; args?: string[] }>;
  containers: Array<{ workingDir?: string; env?: Array<{ name: string; value?: string }> }>;
}

describe('Workspaces and AgentConfigs, end to end', () => {
  let h: EngineHarness;
  let ns: string;
  before(async () => {
    h = await EngineHarness.start();
  });
  after(() => h.close());
  beforeEach(() => {
    ns = `ws${++counter}`;
  });

  const status = (name: string) => h.task(name, ns).status ?? {};
  const pod = (name: string) => (h.api.get('jobs', ns, name) as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
  const putWorkspace = (spec: Record<string, unknown> = { repo: 'https://github.com/o/r.git', ref: 'main', secretRef: { name: 'gh' } }) =>
    h.api.put('workspaces', { apiVersion: 'axon.io/v1alpha1', kind: 'Workspace', metadata: { name: 'repo', namespace: ns }, spec });
  const putAgentConfig = () =>
    h.api.put('agentconfigs', { apiVersion: 'axon.io/v1alpha1', kind: 'AgentConfig', metadata: { name: 'rules', namespace: ns }, spec: { agentsMD: 'Be terse.' } });
  const reasons = (name: string) =>
    h.api.list('events', ns).filter((e) => (e.involvedObject as { name?: string }).name === name).map((e) => String(e.reason));

  test('a Task before its Workspace exists waits, naming it; once created, it is launched with the clone', async () => {
    h.applyTasks([task('add-tests', WS)], ns);
    await h.drain();
    assert.deepEqual([status('add-tests').phase, status('add-tests').message], ['Waiting', 'Waiting for Workspace "repo" to be created']);
    assert.deepEqual(h.jobNames(ns), []);
    assert.ok(reasons('add-tests').includes('TaskWaiting'));

    putWorkspace();
    await h.drain();
    assert.deepEqual(h.jobNames(ns), ['add-tests']);
    assert.equal(status('add-tests').phase, 'Pending');
    const spec = pod('add-tests');
    assert.deepEqual(spec.initContainers?.map((c) => c.name), ['git-clone']);
    assert.deepEqual(spec.initContainers?.[0]?.args?.slice(-3), ['--', 'https://github.com/o/r.git', '/workspace/repo']);
    assert.equal(spec.containers[0]?.workingDir, '/workspace/repo');
    assert.deepEqual(spec.containers[0]?.env?.map((e) => e.name), ['ANTHROPIC_API_KEY', 'GITHUB_TOKEN', 'GH_TOKEN']);
    h.startJob('add-tests', ns);
    h.finishJob('add-tests', ns);
    await h.drain();
    assert.equal(status('add-tests').phase, 'Succeeded');
  });

  test('a Task naming a missing Workspace and AgentConfig names both, then what is still missing', async () => {
    h.applyTasks([task('both', { ...WS, ...AC })], ns);
    await h.drain();
    assert.equal(status('both').message, 'Waiting for Workspace "repo" and AgentConfig "rules" to be created');
    putAgentConfig();
    await h.drain();
    assert.deepEqual([status('both').phase, status('both').message], ['Waiting', 'Waiting for Workspace "repo" to be created']);
    assert.deepEqual(h.jobNames(ns), []);
    putWorkspace();
    await h.drain();
    assert.deepEqual(h.jobNames(ns), ['both']);
    assert.deepEqual(pod('both').containers[0]?.env?.find((e) => e.name === 'AXON_AGENTS_MD'), { name: 'AXON_AGENTS_MD', value: 'Be terse.' });
  });

  test('a Workspace deleted before the launch puts the Task back to waiting; a Job already made is unaffected', async () => {
    putWorkspace();
    h.applyTasks([task('first'), task('early', WS), task('later', { ...WS, dependsOn: ['first'], prompt: 'after {{ .Deps.first.Name }}' })], ns);
    await h.drain();
    assert.deepEqual(h.jobNames(ns), ['early', 'first']);
    assert.deepEqual([status('later').phase, status('later').message], ['Waiting', 'Waiting for dependencies: first']);

    assert.ok(h.api.remove('workspaces', ns, 'repo'));
    await h.drain();
    h.startJob('early', ns);
    h.startJob('first', ns);
    h.finishJob('first', ns);
    await h.drain();
    // Released by its dependency, but its Workspace is gone: back to waiting, no Job.
    assert.deepEqual([status('later').phase, status('later').message], ['Waiting', 'Waiting for Workspace "repo" to be created']);
    assert.deepEqual(h.jobNames(ns), ['early', 'first']);
    // The Job made while the Workspace existed runs on.
    assert.equal(status('early').phase, 'Running');
    h.finishJob('early', ns);
    await h.drain();
    assert.equal(status('early').phase, 'Succeeded');

    putWorkspace();
    await h.drain();
    assert.deepEqual(h.jobNames(ns), ['early', 'first', 'later']);
    assert.equal(status('later').phase, 'Pending');
    assert.equal((h.api.get('jobs', ns, 'later') as unknown as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } }).spec.template.spec.containers[0]!.args[0], 'after first');
  });

  test('resync is the backstop: nothing while the Workspace is missing; a lost creation event is made good', async () => {
    h.applyTasks([task('backstop', WS)], ns);
    await h.drain();
    assert.equal(status('backstop').phase, 'Waiting');
    const idle = await h.resync({ namespaces: [ns] });
    assert.deepEqual(idle.repairs, [], 'waiting for a Workspace that does not exist is not a repair');

    putWorkspace();
    const lost = h.dropSourceEvents();
    assert.ok(lost.some((e) => e.kind === 'Workspace'), 'the creation event is lost');
    await h.drain();
    assert.deepEqual(h.jobNames(ns), []);
    const report = await h.resync({ namespaces: [ns] });
    assert.deepEqual(report.repairs.map((r) => [r.kind, r.name]), [['launch', 'backstop']]);
    await h.drain();
    assert.deepEqual(h.jobNames(ns), ['backstop']);
  });

  test('a Workspace that could break the clone or a path fails the Task with what to fix', async () => {
    putWorkspace({ repo: 'https://github.com/o/r.git', files: [{ path: '../../etc/profile', content: 'x' }] });
    h.applyTasks([task('escape', WS)], ns);
    await h.drain();
    assert.equal(status('escape').phase, 'Failed');
    assert.match(String(status('escape').message), /^Workspace "repo" cannot be used: spec\.files\[0\]\.path: "\.\.\/\.\.\/etc\/profile" leaves the repository/);
    assert.ok(reasons('escape').includes('JobBuildFailed'));
    assert.deepEqual(h.jobNames(ns), []);
  });

  test('a Workspace event for an object that does not exist lets nothing go', async () => {
    h.applyTasks([task('patient', WS)], ns);
    await h.drain();
    const forged = new CloudEvent({
      type: APISERVER_ADD,
      source: 'https://elsewhere',
      kind: 'Workspace',
      data: { apiVersion: 'axon.io/v1alpha1', kind: 'Workspace', metadata: { name: 'repo', namespace: ns }, spec: { repo: 'https://evil.example/o/r' } },
    });
    const delivery = await h.deliverTo('task-intake', forged);
    assert.equal(delivery.status, 202);
    await h.drain();
    assert.deepEqual(h.jobNames(ns), []);
    assert.equal(status('patient').message, 'Waiting for Workspace "repo" to be created');
  });
});
