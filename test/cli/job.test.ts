/**
 * `dendrite job`: the Jobs Dendrite would create, as YAML, built by the launcher's builder from
 * the given manifests — the same Job buildJob makes in process — with the prompt rendered from
 * --deps through the renderer `dendrite render` uses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { buildJob, DEFAULT_JOB_CONFIG } from '../../shared/job/build.js';
import type { Task } from '../../shared/task/model.js';
import { cliEnv, runCli, SECRET, taskYaml, writeFiles } from './cli.js';

const WORKSPACE = { apiVersion: 'axon.io/v1alpha1', kind: 'Workspace', metadata: { name: 'ws' }, spec: { repo: 'https://ghe.example.com/o/r.git', ref: 'v2', secretRef: { name: 'gh' }, files: [{ path: 'CLAUDE.md', content: 'Be careful.' }] } };
const AGENT_CONFIG = { apiVersion: 'axon.io/v1alpha1', kind: 'AgentConfig', metadata: { name: 'ac' }, spec: { agentsMD: 'Be terse.', plugins: [{ name: 'p', skills: [{ name: 's', content: 'c' }] }] } };
const doc = (o: object) => `---\n${JSON.stringify(o)}\n`;

const jobsOf = (stdout: string) => parseAllDocuments(stdout).map((d) => d.toJS() as Record<string, any>);

test('the Job for a Task with a Workspace and an AgentConfig is the builder\'s, as YAML', async () => {
  const spec = { workspaceRef: { name: 'ws' }, agentConfigRef: { name: 'ac' }, model: 'm' };
  const dir = writeFiles({ 'all.yaml': doc(WORKSPACE) + doc(AGENT_CONFIG) + taskYaml('t', 'do it', spec) + SECRET });
  const result = await runCli(['job', dir]);
  assert.equal(result.code, 0, result.stderr);
  const [job, ...more] = jobsOf(result.stdout);
  assert.equal(more.length, 0);
  const task: Task = {
    apiVersion: 'axon.io/v1alpha1',
    kind: 'Task',
    metadata: { name: 't', namespace: 'default', uid: '<the uid the Task gets when applied>' },
    spec: { type: 'claude-code', prompt: 'do it', credentials: { type: 'api-key', secretRef: { name: 'keys' } }, ...spec },
  };
  const expected = buildJob(task, 'do it', DEFAULT_JOB_CONFIG, {
    workspace: { ...WORKSPACE, metadata: { name: 'ws', namespace: 'default' } } as never,
    agentConfig: { ...AGENT_CONFIG, metadata: { name: 'ac', namespace: 'default' } } as never,
  });
  assert.deepEqual(job, JSON.parse(JSON.stringify(expected)));
  assert.deepEqual(job!.spec.template.spec.initContainers.map((c: { name: string }) => c.name), ['git-clone', 'workspace-files', 'plugin-setup']);
});

test('--deps renders a dependent\'s prompt, --task picks one Task, the launcher\'s image settings apply', async () => {
  const dir = writeFiles({ 'all.yaml': taskYaml('research', 'look') + taskYaml('synth', 'Schema: {{ index .Deps "research" "Results" "schema" }}', { dependsOn: ['research'] }) + SECRET, 'deps.yaml': 'research: ["schema: Project(id)"]\n' });
  const all = await runCli(['job', dir]);
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(jobsOf(all.stdout).map((j) => j.metadata.name), ['research', 'synth']);
  assert.match(all.stderr, /note: synth has dependencies; without --deps its prompt is the template as written/);
  assert.equal(jobsOf(all.stdout)[1]!.spec.template.spec.containers[0].args[0], 'Schema: {{ index .Deps "research" "Results" "schema" }}');

  const one = await runCli(['job', `${dir}/all.yaml`, '--task', 'synth', '--deps', `${dir}/deps.yaml`], cliEnv({ DENDRITE_IMAGE_CLAUDE_CODE: 'registry.example.com/claude:1' }));
  assert.equal(one.code, 0, one.stderr);
  const [synth] = jobsOf(one.stdout);
  assert.equal(synth!.spec.template.spec.containers[0].args[0], 'Schema: Project(id)');
  assert.equal(synth!.spec.template.spec.containers[0].image, 'registry.example.com/claude:1');
});

test('the init containers\' image comes from DENDRITE_IMAGE_GIT, as for the launcher', async () => {
  const dir = writeFiles({ 'all.yaml': doc(WORKSPACE) + taskYaml('t', 'p', { workspaceRef: { name: 'ws' } }) });
  const result = await runCli(['job', dir], cliEnv({ DENDRITE_IMAGE_GIT: 'registry.example.com/git:2' }));
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(jobsOf(result.stdout)[0]!.spec.template.spec.initContainers.map((c: { image: string }) => c.image), ['registry.example.com/git:2', 'registry.example.com/git:2']);
});

test('a Workspace that is not given, or one the builder refuses, is said, and nothing is printed', async () => {
  const missing = await runCli(['job', writeFiles({ 't.yaml': taskYaml('t', 'p', { workspaceRef: { name: 'elsewhere' } }) })]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stdout, '');
  assert.match(missing.stderr, /dendrite job: t names Workspace "elsewhere", which is not among the given files — pass its manifest/);
  const bad = { ...WORKSPACE, spec: { repo: 'https://github.com/o/r', files: [{ path: '/etc/passwd', content: 'x' }] } };
  const refused = await runCli(['job', writeFiles({ 't.yaml': doc(bad) + taskYaml('t', 'p', { workspaceRef: { name: 'ws' } }) })]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /t: Workspace "ws" cannot be used: spec\.files\[0\]\.path: "\/etc\/passwd" is absolute/);
});
