/**
 * The Workspace examples, as their READMEs say: 02 and 06 validate; `dendrite job` prints their
 * Jobs (06's plan with the README's deps file); 06 runs with the stand-in agent — from a copy
 * whose only change is the repository URL, pointed at a git daemon on loopback — and each
 * research Task's branch reaches the plan's prompt.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { startGitDaemon, type GitDaemon } from '../support/git-daemon.js';
import { jobSchemaProblems } from '../support/job-schema.js';
import { parseJson, ROOT, runCli, STAND_IN, tempDir } from './cli.js';

const EX02 = 'examples/02-task-with-workspace';
const EX06 = 'examples/06-repository-orchestrator';
const jobsOf = (stdout: string) => parseAllDocuments(stdout).map((d) => d.toJS() as Record<string, any>);

test('both examples validate, as their READMEs run it', async () => {
  for (const [dir, line] of [[EX02, '✓ 1 Task, 1 Workspace, 2 Secrets: valid'], [EX06, '✓ 3 Tasks, 1 Workspace, 1 AgentConfig, 2 Secrets: valid']] as const) {
    const result = await runCli(['validate', dir]);
    assert.equal(result.code, 0, result.stdout);
    assert.equal(result.stdout, `${line}\n`);
  }
});

test('dendrite job: 02\'s Job, and 06\'s plan with the README\'s deps file — its branches in the prompt, the AgentConfig in the pod', async (t) => {
  const problems = jobSchemaProblems();
  if (!problems) t.diagnostic('../shared/schemas is absent: the Jobs were not checked against the batch/v1 schema');
  const two = await runCli(['job', EX02]);
  assert.equal(two.code, 0, two.stderr);
  const [write] = jobsOf(two.stdout);
  assert.deepEqual(write!.spec.template.spec.initContainers.map((c: { name: string }) => c.name), ['git-clone']);
  assert.equal(write!.spec.template.spec.containers[0].workingDir, '/workspace/repo');

  const readme = readFileSync(join(ROOT, EX06, 'README.md'), 'utf8');
  const deps = join(tempDir(), 'deps.yaml');
  writeFileSync(deps, /```yaml\n# deps\.yaml\n([\s\S]*?)```/.exec(readme)![1]!);
  const six = await runCli(['job', EX06, '--task', 'plan-refactor', '--deps', deps]);
  assert.equal(six.code, 0, six.stderr);
  const [plan] = jobsOf(six.stdout);
  const pod = plan!.spec.template.spec;
  assert.match(pod.containers[0].args[0], /- error handling: research\/error-handling\n- test coverage: research\/test-coverage\n/);
  assert.deepEqual(pod.initContainers.map((c: { name: string }) => c.name), ['git-clone', 'workspace-files', 'plugin-setup']);
  assert.deepEqual(pod.containers[0].env.filter((e: { name: string }) => e.name.startsWith('AXON_')).map((e: { name: string }) => e.name), ['AXON_AGENTS_MD', 'AXON_PLUGIN_DIR']);
  for (const job of [write, plan]) assert.deepEqual(problems?.(job) ?? [], []);
});

describe('06 run on this machine, its repository URL pointed at a git daemon', () => {
  let daemon: GitDaemon;
  before(async () => {
    daemon = await startGitDaemon({ service: { main: { 'README.md': '# service\n', 'server.js': 'throw new Error("x");\n' } } });
  });
  after(() => daemon.stop());

  test('with the stand-in agent, each research branch reaches the plan\'s prompt', async (t) => {
    const dir = tempDir('dendrite-example-06-');
    for (const file of readdirSync(join(ROOT, EX06)).filter((f) => f.endsWith('.yaml'))) {
      const text = readFileSync(join(ROOT, EX06, file), 'utf8');
      writeFileSync(join(dir, file), file === 'workspace.yaml' ? text.replace('https://github.com/your-org/your-service.git', daemon.url('service')) : text);
    }
    t.diagnostic('ran a copy of examples/06 whose only change is spec.repo, pointed at a local git daemon');
    const result = await runCli(['run', dir, '--agent', STAND_IN, '--output', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const tasks = parseJson(result);
    assert.deepEqual(tasks.map((x) => [x.name, x.phase, x.results.branch]), [
      ['research-error-handling', 'Succeeded', 'research/error-handling'],
      ['research-test-coverage', 'Succeeded', 'research/test-coverage'],
      ['plan-refactor', 'Succeeded', 'plan/refactor'],
    ]);
    assert.match(tasks[2]!.prompt!, /- error handling: research\/error-handling\n- test coverage: research\/test-coverage\n/);
  });
});
