/**
 * Axon's own example manifests (../shared/axon-examples, read in place), unchanged: what
 * `dendrite validate` says of each, the Job `dendrite job` prints for 02-task-with-workspace
 * (checked against the upstream batch/v1 schema), and 02 run locally — from a copy whose only
 * change is the repository URL, pointed at a git daemon on loopback (the manifest's own is a
 * placeholder on GitHub).
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { startFakeGitHub } from '../support/fake-github.js';
import { startGitDaemon, type GitDaemon } from '../support/git-daemon.js';
import { jobSchemaProblems } from '../support/job-schema.js';
import { parseJson, recorded, ROOT, runCli, scripted, STAND_IN, tempDir } from './cli.js';

const EXAMPLES = join(ROOT, '../shared/axon-examples');
const WITH_WORKSPACE = join(EXAMPLES, '02-task-with-workspace');

function present(t: TestContext): boolean {
  if (existsSync(EXAMPLES)) return true;
  t.diagnostic(`Axon's examples are absent: this test did not run (looked in ${EXAMPLES})`);
  return false;
}

/** A copy of an example's files as they are, but for the repository URL in workspace.yaml, given `repo`. */
function copyWithRepo(t: TestContext, example: string, repo: string): string {
  const dir = tempDir(`dendrite-axon-${example.slice(0, 2)}-`);
  for (const file of readdirSync(join(EXAMPLES, example)).filter((f) => f.endsWith('.yaml'))) {
    const text = readFileSync(join(EXAMPLES, example, file), 'utf8');
    writeFileSync(join(dir, file), file === 'workspace.yaml' ? text.replace('https://github.com/your-org/your-repo.git', repo) : text);
  }
  t.diagnostic(`ran a copy of ${example} whose only change is spec.repo, pointed at a local git daemon (${repo})`);
  return dir;
}

test('dendrite validate on each of Axon\'s examples: every one valid, the TaskSpawners included', async (t) => {
  if (!present(t)) return;
  const verdicts: Record<string, { code: number; last: RegExp; also?: RegExp }> = {
    '01-simple-task': { code: 0, last: /^✓ 1 Task, 1 Secret: valid$/ },
    '02-task-with-workspace': { code: 0, last: /^✓ 1 Task, 1 Workspace, 2 Secrets: valid$/ },
    '03-taskspawner-github-issues': { code: 0, last: /^✓ 1 TaskSpawner, 1 Workspace, 2 Secrets: valid$/ },
    '04-taskspawner-cron': { code: 0, last: /^✓ 1 TaskSpawner, 1 Workspace, 2 Secrets: valid$/ },
    '05-orchestrator': { code: 0, last: /^✓ 3 Tasks, 1 Secret: valid$/ },
  };
  assert.deepEqual(readdirSync(EXAMPLES).filter((e) => !e.endsWith('.md')).sort(), Object.keys(verdicts).sort());
  for (const [example, verdict] of Object.entries(verdicts)) {
    const result = await runCli(['validate', join(EXAMPLES, example)]);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(result.code, verdict.code, `${example}:\n${result.stdout}`);
    assert.match(lines.at(-1)!, verdict.last, example);
    if (verdict.also) assert.ok(lines.some((l) => verdict.also!.test(l)), `${example}:\n${result.stdout}`);
  }
});

test('dendrite job on 02-task-with-workspace: Axon\'s Job for it, valid batch/v1', async (t) => {
  if (!present(t)) return;
  const workspace = parseAllDocuments(readFileSync(join(WITH_WORKSPACE, 'workspace.yaml'), 'utf8'))[0]!.toJS() as { spec: { repo: string; ref: string } };
  const result = await runCli(['job', WITH_WORKSPACE]);
  assert.equal(result.code, 0, result.stderr);
  const [job, ...more] = parseAllDocuments(result.stdout).map((d) => d.toJS() as Record<string, any>);
  assert.equal(more.length, 0);
  const pod = job!.spec.template.spec;
  assert.equal(job!.metadata.name, 'add-tests');
  assert.deepEqual(pod.securityContext, { fsGroup: 61100 });
  assert.deepEqual(pod.volumes, [{ name: 'workspace', emptyDir: {} }]);
  const [clone] = pod.initContainers;
  assert.deepEqual(clone.args, ['--', 'clone', '--branch', workspace.spec.ref, '--no-single-branch', '--depth', '1', '--', workspace.spec.repo, '/workspace/repo']);
  assert.deepEqual(clone.env.map((e: { name: string; valueFrom: { secretKeyRef: object } }) => [e.name, e.valueFrom.secretKeyRef]), [
    ['GITHUB_TOKEN', { name: 'github-token', key: 'GITHUB_TOKEN' }],
    ['GH_TOKEN', { name: 'github-token', key: 'GITHUB_TOKEN' }],
  ]);
  const [agent] = pod.containers;
  assert.equal(agent.workingDir, '/workspace/repo');
  assert.deepEqual(agent.env.map((e: { name: string }) => e.name), ['CLAUDE_CODE_OAUTH_TOKEN', 'GITHUB_TOKEN', 'GH_TOKEN']);
  assert.deepEqual(agent.args, ['Add unit tests for all untested functions and open a PR with the changes.']);
  const problems = jobSchemaProblems();
  if (!problems) t.diagnostic('../shared/schemas is absent: the Job was not checked against the batch/v1 schema');
  else assert.deepEqual(problems(job), []);
});

describe('02-task-with-workspace run locally, its repository URL pointed at a git daemon', () => {
  let daemon: GitDaemon | undefined;
  before(async () => {
    if (existsSync(EXAMPLES)) daemon = await startGitDaemon({ 'your-repo': { main: { 'README.md': '# your repo\n', 'lib.js': 'export const f = () => 1;\n' }, other: { 'README.md': 'other\n' } } });
  });
  after(() => daemon?.stop());

  /** The example's files as they are, but for the repository URL in workspace.yaml. */
  function copyPointedAtDaemon(t: TestContext): string {
    const dir = copyWithRepo(t, '02-task-with-workspace', daemon!.url('your-repo'));
    assert.match(readFileSync(join(dir, 'workspace.yaml'), 'utf8'), /repo: git:\/\/127\.0\.0\.1:\d+\/your-repo\.git/);
    return dir;
  }

  test('with the stand-in agent: it succeeds in the clone, and the branch is captured', async (t) => {
    if (!present(t)) return;
    const result = await runCli(['run', copyPointedAtDaemon(t), '--agent', STAND_IN, '--output', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const [task] = parseJson(result);
    assert.equal(task!.phase, 'Succeeded');
    assert.equal(task!.results.branch, 'main');
    assert.ok(task!.outputs.some((o) => o.startsWith('design: ')), 'the stand-in agent\'s own outputs are kept beside the branch');
  });

  test('the agent works in the clone at the ref, with the token from github-token and its OAuth credential', async (t) => {
    if (!present(t)) return;
    const record = tempDir();
    const result = await runCli(['run', copyPointedAtDaemon(t), '--agent', scripted('success', record)]);
    assert.equal(result.code, 0, result.stderr);
    const [run] = recorded(record);
    assert.match(run!.cwd, /\/default\/add-tests\/workspace\/repo$/, 'in its clone');
    assert.equal(run!.env.GITHUB_TOKEN, 'ghp_REPLACE-ME');
    assert.equal(run!.env.GH_TOKEN, 'ghp_REPLACE-ME');
    assert.equal(run!.env.CLAUDE_CODE_OAUTH_TOKEN, 'REPLACE-ME');
  });
});

describe('04-taskspawner-cron run locally, its repository URL pointed at a git daemon', () => {
  let daemon: GitDaemon | undefined;
  before(async () => {
    if (existsSync(EXAMPLES)) daemon = await startGitDaemon({ 'your-repo': { main: { 'package.json': '{"dependencies":{}}\n' } } });
  });
  after(() => daemon?.stop());

  test('--fast-forward 15d: the Mondays at 9:00 in between spawn one Task each, which run in the clone', async (t) => {
    if (!present(t)) return;
    const dir = copyWithRepo(t, '04-taskspawner-cron', daemon!.url('your-repo'));
    const result = await runCli(['run', dir, '--fast-forward', '15d', '--agent', STAND_IN, '--output', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const tasks = parseJson(result);
    assert.ok(tasks.length === 2 || tasks.length === 3, `15 days hold two or three Mondays: ${tasks.map((x) => x.name).join(', ')}`);
    for (const task of tasks) {
      assert.match(task.name, /^weekly-dependency-update-\d{8}-0900$/);
      assert.equal(task.phase, 'Succeeded');
      assert.equal(task.results.branch, 'main', 'it ran in the Workspace\'s clone');
      assert.match(task.prompt!, /^Check for outdated dependencies, update them to the latest compatible/);
    }
  });
});

describe('03-taskspawner-github-issues run locally against a fake GitHub API, its repository URL pointed at a git daemon', () => {
  let daemon: GitDaemon | undefined;
  before(async () => {
    if (existsSync(EXAMPLES)) daemon = await startGitDaemon({ 'your-org/your-repo': { main: { 'README.md': '# your repo\n' } } });
  });
  after(() => daemon?.stop());

  test('--github-api: open issues labelled bug become fix-bugs-<number>, three at a time, run in the clone; the token is the Workspace Secret\'s', async (t) => {
    if (!present(t)) return;
    const gh = await startFakeGitHub('your-org', 'your-repo', { perPage: 2 });
    try {
      gh.issues.push(
        { number: 1, title: 'Crash on start', body: 'It crashes.', labels: ['bug'] },
        { number: 2, title: 'Typo in README', labels: ['bug', 'docs'] },
        { number: 3, title: 'Add a feature', labels: ['enhancement'] },
        { number: 4, title: 'Fixed already', labels: ['bug'], state: 'closed' },
        { number: 5, title: 'Slow startup', labels: ['bug', 'perf'] },
        { number: 6, title: 'Leak', labels: ['bug'] },
        { number: 7, title: 'Flaky test', labels: ['bug'] },
      );
      const dir = copyWithRepo(t, '03-taskspawner-github-issues', daemon!.url('your-org/your-repo'));
      const result = await runCli(['run', dir, '--github-api', gh.url, '--agent', STAND_IN, '--output', 'json']);
      assert.equal(result.code, 0, result.stderr);
      const tasks = parseJson(result);
      // maxConcurrency: 3 — the other two are spawned as the first ones finish, within the same run.
      assert.deepEqual(tasks.map((x) => x.name).sort(), ['fix-bugs-1', 'fix-bugs-2', 'fix-bugs-5', 'fix-bugs-6', 'fix-bugs-7']);
      for (const task of tasks) {
        assert.equal(task.phase, 'Succeeded');
        assert.equal(task.results.branch, 'main');
      }
      assert.match(tasks.find((x) => x.name === 'fix-bugs-1')!.prompt!, /^Fix the following GitHub issue and open a PR with the fix\.\n\nIssue #1: Crash on start\n\nIt crashes\.\n/);
      const listing = gh.requests.filter((r) => r.path === '/repos/your-org/your-repo/issues');
      assert.ok(listing.length >= 2, 'paginated');
      assert.equal(listing[0]!.query.labels, 'bug');
      assert.ok(gh.requests.every((r) => r.authorization === 'Bearer ghp_REPLACE-ME'), 'the GITHUB_TOKEN of the Workspace\'s Secret');
    } finally {
      await gh.close();
    }
  });
});
