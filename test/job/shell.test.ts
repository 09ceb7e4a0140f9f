/**
 * What the init containers' scripts do, found by running them with sh (as busybox's would in
 * the alpine/git image): files land where they should with the bytes they should, hostile
 * names and content stay data, the guard refuses paths outside the root, and the clone goes
 * through the credential helper, which answers with $GITHUB_TOKEN.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildJob, DEFAULT_JOB_CONFIG } from '../../shared/job/build.js';
import { shellQuote, writeFilesScript } from '../../shared/job/shell.js';
import { CREDENTIAL_HELPER } from '../../shared/job/workspace.js';
import type { Task } from '../../shared/task/model.js';

/** Runs a files script against `dir` instead of its own root (its first assignment). */
function runFilesScript(script: string, root: string, dir: string): ReturnType<typeof spawnSync> {
  const moved = script.replace(`root=${shellQuote(root)}`, `root=${shellQuote(dir)}`);
  assert.notEqual(moved, script, 'the script sets its root on its own line');
  return spawnSync('sh', ['-c', moved], { encoding: 'utf8', cwd: dir });
}

function walk(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  ).sort();
}

const HOSTILE_CONTENT = "line one\n'quoted' \"double\" $(touch pwned) `touch pwned` $HOME \\ \u0000 é 🚀\n\n";

test('the files script writes every file with its exact bytes, and nothing in a name or content runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dendrite-files-'));
  const files = [
    { path: 'CLAUDE.md', content: '# rules\n' },
    { path: ".claude/skills/it's $(touch pwned)/SKILL.md", content: HOSTILE_CONTENT },
    { path: 'a b/`touch pwned`;.md', content: '' },
  ];
  const run = runFilesScript(writeFilesScript('/workspace/repo', files), '/workspace/repo', dir);
  assert.equal(run.status, 0, String(run.stderr));
  assert.deepEqual(walk(dir), ['.claude/skills/it\'s $(touch pwned)/SKILL.md', 'CLAUDE.md', 'a b/`touch pwned`;.md']);
  for (const file of files) assert.equal(readFileSync(join(dir, file.path), 'utf8'), file.content);
  assert.equal(existsSync(join(dir, 'pwned')), false);
});

test('the script itself refuses a path that is absolute or climbs out, even one that skipped the checks', () => {
  for (const path of ['/etc/x', '../x', 'a/../../x', 'a/./b']) {
    const dir = mkdtempSync(join(tmpdir(), 'dendrite-guard-'));
    const run = runFilesScript(writeFilesScript('/r', [{ path, content: 'x' }]), '/r', join(dir));
    assert.notEqual(run.status, 0, path);
    assert.match(String(run.stderr), /refusing to write/);
    assert.deepEqual(walk(dir), [], `${path}: nothing written`);
  }
});

const task = (spec: Partial<Task['spec']>): Task => ({
  apiVersion: 'axon.io/v1alpha1',
  kind: 'Task',
  metadata: { name: 't', namespace: 'default', uid: 'u' },
  spec: { type: 'claude-code', prompt: 'p', credentials: { type: 'api-key', secretRef: { name: 's' } }, ...spec },
});

test('plugin-setup lays the plugins out as <plugin>/skills/<skill>/SKILL.md and <plugin>/agents/<agent>.md', () => {
  const job = buildJob(task({ agentConfigRef: { name: 'ac' } }), 'p', DEFAULT_JOB_CONFIG, {
    agentConfig: {
      apiVersion: 'axon.io/v1alpha1',
      kind: 'AgentConfig',
      metadata: { name: 'ac', namespace: 'default' },
      spec: { plugins: [{ name: 'review', skills: [{ name: 'lint', content: 'lint it' }], agents: [{ name: 'critic', content: HOSTILE_CONTENT }] }, { name: 'empty' }] },
    },
  });
  const setup = job.spec!.template.spec!.initContainers!.find((c) => c.name === 'plugin-setup')!;
  const dir = mkdtempSync(join(tmpdir(), 'dendrite-plugins-'));
  const run = runFilesScript(setup.command![2]!, '/axon/plugin', dir);
  assert.equal(run.status, 0, String(run.stderr));
  assert.deepEqual(walk(dir), ['review/agents/critic.md', 'review/skills/lint/SKILL.md']);
  assert.equal(readFileSync(join(dir, 'review/agents/critic.md'), 'utf8'), HOSTILE_CONTENT);
});

test('git-clone with a Secret: clones through the credential helper, then keeps it in the clone for the agent', () => {
  const job = buildJob(task({ workspaceRef: { name: 'ws' } }), 'p', DEFAULT_JOB_CONFIG, {
    workspace: { apiVersion: 'axon.io/v1alpha1', kind: 'Workspace', metadata: { name: 'ws', namespace: 'default' }, spec: { repo: 'https://github.com/o/r.git', ref: 'main', secretRef: { name: 'gh' } } },
  });
  const clone = job.spec!.template.spec!.initContainers![0]!;
  // A stand-in git that records each call's arguments, one per line, calls separated.
  const bin = mkdtempSync(join(tmpdir(), 'dendrite-fake-git-'));
  const calls = join(bin, 'calls');
  writeFileSync(join(bin, 'git'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a" >> ${shellQuote(calls)}; done\necho --- >> ${shellQuote(calls)}\n`);
  chmodSync(join(bin, 'git'), 0o755);
  const [sh, dashC, script] = clone.command!;
  const run = spawnSync(sh!, [dashC!, script!, ...clone.args!], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin` } });
  assert.equal(run.status, 0, run.stderr);
  const made = readFileSync(calls, 'utf8').split('---\n').filter(Boolean).map((c) => c.trimEnd().split('\n'));
  assert.deepEqual(made, [
    ['-c', `credential.helper=${CREDENTIAL_HELPER}`, 'clone', '--branch', 'main', '--no-single-branch', '--depth', '1', '--', 'https://github.com/o/r.git', '/workspace/repo'],
    ['-C', '/workspace/repo', 'config', 'credential.helper', CREDENTIAL_HELPER],
  ]);
});

test('the credential helper answers with the token from $GITHUB_TOKEN, which it never holds itself', () => {
  assert.ok(CREDENTIAL_HELPER.startsWith('!'), 'a shell helper, as git runs it');
  assert.ok(!CREDENTIAL_HELPER.includes('ghp_'));
  const run = spawnSync('sh', ['-c', CREDENTIAL_HELPER.slice(1), 'helper', 'get'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', GITHUB_TOKEN: "ghp_t0ken'$(x)" } });
  assert.equal(run.status, 0);
  assert.equal(run.stdout, "username=x-access-token\npassword=ghp_t0ken'$(x)\n");
});
