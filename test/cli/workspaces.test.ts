/**
 * `dendrite run` with Workspaces and AgentConfigs, end to end, against a real `git daemon` on
 * loopback serving a repository with two branches: each Task gets its own clone at its
 * Workspace's ref, with the files written, the token from the Secret as env and the credential
 * helper, the instructions and the plugin layout of its AgentConfig; the branch each agent
 * leaves checked out is captured and reaches a dependent's prompt; a Task without a Workspace
 * runs in an empty directory of its own; a missing Workspace is reported; no token is printed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGitDaemon, type GitDaemon } from '../support/git-daemon.js';
import { cliEnv, parseJson, ROOT, runCli, scripted, tempDir, writeFiles } from './cli.js';

const TOKEN = 'ghp_t0kenThatMustNeverBePrinted';
const API_KEY = 'sk-ant-keyThatMustNeverBePrinted';

interface Seen {
  cwd: string;
  files: string[] | null;
  contents: Record<string, string>;
  branch: string | null;
  head: string | null;
  helper: string | null;
  plugins: string[] | null;
  pluginContents: Record<string, string>;
}

const doc = (object: unknown) => `---\n${JSON.stringify(object)}\n`;
const task = (name: string, spec: Record<string, unknown>) =>
  doc({ apiVersion: 'axon.io/v1alpha1', kind: 'Task', metadata: { name }, spec: { type: 'claude-code', credentials: { type: 'api-key', secretRef: { name: 'keys' } }, ...spec } });
const secrets = doc({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keys' }, stringData: { ANTHROPIC_API_KEY: API_KEY } }) +
  doc({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'gh' }, stringData: { GITHUB_TOKEN: TOKEN } });

/** What each agent recorded, by the prompt's first line after `agent: workspace`. */
function seenBy(record: string): Map<string, Seen & { env: Record<string, string> }> {
  const out = new Map<string, Seen & { env: Record<string, string> }>();
  const runs = readdirSync(record).filter((f) => /^\d+\.json$/.test(f));
  for (const file of runs) {
    const run = JSON.parse(readFileSync(join(record, file), 'utf8')) as { argv: string[]; env: Record<string, string> };
    const seen = JSON.parse(readFileSync(join(record, `workspace-${file}`), 'utf8')) as Seen;
    out.set(/^task: (\S+)$/m.exec(run.argv.at(-1)!)![1]!, { ...seen, env: run.env });
  }
  return out;
}

describe('dendrite run with Workspaces, against a git daemon', () => {
  let daemon: GitDaemon;
  before(async () => {
    daemon = await startGitDaemon({
      project: {
        main: { 'README.md': 'main readme\n', 'main-only.txt': 'x\n' },
        release: { 'README.md': 'release readme\n' },
      },
    });
  });
  after(() => daemon.stop());

  test('per-Task clones at the ref, files, env, plugins; branches captured into a dependent; isolation; nothing left; no token printed', async () => {
    const record = tempDir();
    // A stand-in gh: the capture step asks it for the pull requests of a branch.
    const bin = tempDir();
    writeFileSync(join(bin, 'gh'), `#!/bin/sh\n[ "$1 $2 $3 $4" = "pr list --head agent/one" ] && [ -n "$GH_TOKEN" ] && echo https://github.com/o/r/pull/42\nexit 0\n`);
    chmodSync(join(bin, 'gh'), 0o755);
    const dir = writeFiles({
      'all.yaml':
        secrets +
        doc({
          apiVersion: 'axon.io/v1alpha1',
          kind: 'Workspace',
          metadata: { name: 'release' },
          spec: { repo: daemon.url('project'), ref: 'release', secretRef: { name: 'gh' }, files: [{ path: 'CLAUDE.md', content: 'Be careful.\n' }, { path: '.claude/skills/check/SKILL.md', content: 'check it' }] },
        }) +
        doc({ apiVersion: 'axon.io/v1alpha1', kind: 'Workspace', metadata: { name: 'mainline' }, spec: { repo: daemon.url('project') } }) +
        doc({
          apiVersion: 'axon.io/v1alpha1',
          kind: 'AgentConfig',
          metadata: { name: 'rules' },
          spec: { agentsMD: 'Always write tests.', plugins: [{ name: 'review', skills: [{ name: 'lint', content: 'lint skill' }], agents: [{ name: 'critic', content: 'critic agent' }] }] },
        }) +
        task('one', { prompt: 'agent: workspace\ntask: one\ncheckout: agent/one', workspaceRef: { name: 'release' }, agentConfigRef: { name: 'rules' } }) +
        task('two', { prompt: 'agent: workspace\ntask: two\ncheckout: agent/two', workspaceRef: { name: 'release' } }) +
        task('three', { prompt: 'agent: workspace\ntask: three', workspaceRef: { name: 'mainline' } }) +
        task('four', { prompt: 'agent: workspace\ntask: four' }) +
        task('fan-in', {
          dependsOn: ['one', 'two', 'three'],
          prompt:
            'agent: workspace\ntask: fan-in\n' +
            'one: {{ .Deps.one.Results.branch }} (started on {{ index .Deps.one.Results "seen-branch" }}, pr {{ .Deps.one.Results.pr }})\n' +
            'two: {{ .Deps.two.Results.branch }}\nthree: {{ .Deps.three.Results.branch }}',
        }),
    });
    const result = await runCli(['run', dir, '--agent', scripted('scripted', record), '--output', 'json'], cliEnv({ PATH: `${bin}:${process.env.PATH ?? ''}` }));
    assert.equal(result.code, 0, result.stderr);
    const tasks = parseJson(result);
    assert.deepEqual(tasks.map((t) => [t.name, t.phase]), ['one', 'two', 'three', 'four', 'fan-in'].map((n) => [n, 'Succeeded']));

    // The branches the agents left checked out reached the dependent, beside the agents' own results.
    const fanIn = tasks.find((t) => t.name === 'fan-in')!;
    assert.match(fanIn.prompt!, /^one: agent\/one \(started on release, pr https:\/\/github\.com\/o\/r\/pull\/42\)$/m);
    assert.match(fanIn.prompt!, /^two: agent\/two$/m);
    assert.match(fanIn.prompt!, /^three: main$/m);
    const one = tasks.find((t) => t.name === 'one')!;
    assert.deepEqual(one.results, { 'seen-branch': 'release', files: '3', branch: 'agent/one', pr: 'https://github.com/o/r/pull/42' });

    const seen = seenBy(record);
    const [s1, s2, s3, s4] = ['one', 'two', 'three', 'four'].map((n) => seen.get(n)!);
    // Clones at the Workspace's ref, the files written, the helper kept for pushes.
    for (const s of [s1!, s2!]) {
      assert.equal(s.branch, 'release');
      assert.deepEqual(s.files, ['.claude/skills/check/SKILL.md', 'CLAUDE.md', 'README.md'], 'only what the clone and the Workspace put there');
      assert.equal(s.contents['README.md'], 'release readme\n');
      assert.equal(s.contents['CLAUDE.md'], 'Be careful.\n');
      assert.equal(s.helper, '!f() { echo username=x-access-token; echo "password=$GITHUB_TOKEN"; }; f');
      assert.equal(s.env.GITHUB_TOKEN, TOKEN);
      assert.equal(s.env.GH_TOKEN, TOKEN);
    }
    assert.deepEqual([s3!.branch, s3!.files, s3!.helper], ['main', ['README.md', 'main-only.txt'], null], 'the default branch; no Secret, no helper');
    assert.equal(s3!.env.GITHUB_TOKEN, undefined);
    // Isolation: each Task its own clone; nothing runs in the user's directory or a shared one.
    const cwds = [s1!, s2!, s3!, s4!].map((s) => s.cwd);
    assert.equal(new Set(cwds).size, 4);
    for (const cwd of cwds) assert.ok(!cwd.startsWith(ROOT) && cwd !== '/tmp', cwd);
    assert.match(s1!.cwd, /\/default\/one\/workspace\/repo$/);
    assert.deepEqual(s4!.files, [], 'a Task without a Workspace: an empty directory of its own');
    assert.equal(s4!.branch, null);
    // The AgentConfig: instructions in AXON_AGENTS_MD, the plugins laid out as in a cluster.
    assert.equal(s1!.env.AXON_AGENTS_MD, 'Always write tests.');
    assert.deepEqual(s1!.plugins, ['review/agents/critic.md', 'review/skills/lint/SKILL.md']);
    assert.deepEqual(s1!.pluginContents, { 'review/agents/critic.md': 'critic agent', 'review/skills/lint/SKILL.md': 'lint skill' });
    assert.match(s1!.env.AXON_PLUGIN_DIR!, /\/default\/one\/axon-plugin$/);
    assert.equal(s2!.env.AXON_AGENTS_MD, undefined);
    // Removed at the end; the token was never printed.
    for (const cwd of cwds) assert.equal(existsSync(cwd), false, `${cwd} was removed`);
    for (const secret of [TOKEN, API_KEY]) assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret), 'a secret was printed');
  });

  test('a missing Workspace is reported, a ref that does not exist fails with git\'s word, --keep-workspaces says where', async () => {
    const dir = writeFiles({
      'all.yaml':
        secrets +
        doc({ apiVersion: 'axon.io/v1alpha1', kind: 'Workspace', metadata: { name: 'nowhere' }, spec: { repo: daemon.url('project'), ref: 'no-such-branch' } }) +
        doc({ apiVersion: 'axon.io/v1alpha1', kind: 'Workspace', metadata: { name: 'ok' }, spec: { repo: daemon.url('project') } }) +
        task('lost', { prompt: 'p', workspaceRef: { name: 'typo' } }) +
        task('bad-ref', { prompt: 'p', workspaceRef: { name: 'nowhere' } }) +
        task('kept', { prompt: 'p', workspaceRef: { name: 'ok' } }),
    });
    const result = await runCli(['run', dir, '--agent', scripted('success'), '--keep-workspaces']);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /lost\s+Waiting[^\n]*\n\s+stalled: no Workspace named "typo" was given, so it waits forever/);
    assert.match(result.stdout, /bad-ref\s+Failed[^\n]*\n\s+Job failed: BackoffLimitExceeded: init container git-clone failed: .*no-such-branch/);
    const kept = /^\s+kept\s+(\/\S+)$/m.exec(result.stdout)?.[1];
    assert.ok(kept, result.stdout);
    assert.match(result.stdout, /Kept \(--keep-workspaces\), under /);
    assert.equal(readFileSync(join(kept, 'README.md'), 'utf8'), 'main readme\n', 'the clone is still there');
    rmSync(/Kept \(--keep-workspaces\), under (\S+):/.exec(result.stdout)![1]!, { recursive: true, force: true });
  });
});
