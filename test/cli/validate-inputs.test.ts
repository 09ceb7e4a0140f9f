/**
 * `dendrite validate` on Workspaces, AgentConfigs, the Tasks' references to them, and kinds
 * Dendrite does not act on: each problem at file:line:col, with what to fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { validateCommand } from '../../cli/validate.js';
import { captureContext, SECRET, taskYaml, writeFiles } from './cli.js';

async function validate(yaml: string): Promise<{ code: number; lines: string[]; dir: string }> {
  const dir = writeFiles({ 't.yaml': yaml });
  const { ctx, captured } = captureContext();
  const code = await validateCommand({ paths: [dir], namespace: 'default' }, ctx);
  return { code, lines: captured.stdout.trimEnd().split('\n'), dir };
}

const WORKSPACE = 'apiVersion: axon.io/v1alpha1\nkind: Workspace\nmetadata: {name: ws}\nspec:\n  repo: https://github.com/o/r.git\n  ref: main\n  secretRef: {name: gh}\n';
const GH = '---\napiVersion: v1\nkind: Secret\nmetadata: {name: gh}\nstringData: {GITHUB_TOKEN: ghp_x}\n';
const AGENT_CONFIG = '---\napiVersion: axon.io/v1alpha1\nkind: AgentConfig\nmetadata: {name: ac}\nspec:\n  agentsMD: Be terse.\n';
const USES = taskYaml('t', 'p', { workspaceRef: { name: 'ws' }, agentConfigRef: { name: 'ac' } });

test('a Task with its Workspace, AgentConfig and Secrets is valid, and each kind is counted', async () => {
  const { code, lines } = await validate(WORKSPACE + GH + AGENT_CONFIG + USES + SECRET);
  assert.equal(code, 0, lines.join('\n'));
  assert.deepEqual(lines, ['✓ 1 Task, 1 Workspace, 1 AgentConfig, 2 Secrets: valid']);
});

const cases: Array<{ kind: string; yaml: string; at: string; message: RegExp; severity?: 'warning' }> = [
  {
    kind: 'a Task naming a Workspace that is not given',
    yaml: USES.replace('"ws"', '"typo"') + AGENT_CONFIG + SECRET,
    at: 't.yaml:2:',
    message: /t: spec\.workspaceRef\.name: no Workspace named "typo" is given \(namespace default\) — this Task would stay Waiting/,
  },
  {
    kind: 'a Task naming an AgentConfig that is not given',
    yaml: WORKSPACE + GH + USES + SECRET,
    at: 't.yaml:',
    message: /t: spec\.agentConfigRef\.name: no AgentConfig named "ac" is given/,
  },
  {
    kind: 'a repository the CRD refuses',
    yaml: WORKSPACE.replace('https://github.com/o/r.git', 'ftp://example.com/r') + GH,
    at: 't.yaml:5:9',
    message: /Workspace ws: spec\.repo: must match pattern "\^\(https\?:\/\/\|git:\/\/\|git@\)\.\*"/,
  },
  {
    kind: 'a repository path on this machine (dendrite run clones it; kubectl apply refuses it)',
    yaml: WORKSPACE.replace('https://github.com/o/r.git', '/srv/git/r') + GH,
    at: 't.yaml:5:9',
    message: /Workspace ws: spec\.repo: "\/srv\/git\/r" is a path on this machine: dendrite run clones it, but kubectl apply refuses it/,
  },
  {
    kind: 'a file path leaving the repository',
    yaml: `${WORKSPACE}  files:\n    - path: ../../etc/profile\n      content: x\n${GH}`,
    at: 't.yaml:9:13',
    message: /Workspace ws: spec\.files\[0\]\.path: "\.\.\/\.\.\/etc\/profile" leaves the repository/,
  },
  {
    kind: 'a ref git would take for an option',
    yaml: WORKSPACE.replace('ref: main', 'ref: "--upload-pack=x"') + GH,
    at: 't.yaml:6:8',
    message: /Workspace ws: spec\.ref: "--upload-pack=x" is not a branch or tag name git accepts/,
  },
  {
    kind: 'a Workspace Secret without GITHUB_TOKEN',
    yaml: WORKSPACE + GH.replace('GITHUB_TOKEN', 'TOKEN'),
    at: 't.yaml:7:',
    message: /Workspace ws: Secret "gh" has no GITHUB_TOKEN key/,
  },
  {
    kind: 'a plugin name that climbs out',
    yaml: `${AGENT_CONFIG}  plugins:\n    - name: ".."\n`.replace(/^---\n/, ''),
    at: 't.yaml:7:13',
    message: /AgentConfig ac: spec\.plugins\[0\]\.name: "\.\." would climb the directory tree/,
  },
  {
    kind: 'an unknown field in an AgentConfig',
    yaml: AGENT_CONFIG.replace(/^---\n/, '').replace('agentsMD', 'agentsMd'),
    at: 't.yaml:5:',
    message: /AgentConfig ac: spec\.agentsMd: unknown field/,
  },
  {
    kind: 'the same Workspace twice',
    yaml: WORKSPACE + GH + '---\n' + WORKSPACE,
    at: 't.yaml:',
    message: /Workspace ws: metadata\.name: "ws" is also defined at .*t\.yaml:3/,
  },
  {
    kind: 'a misspelt kind',
    yaml: taskYaml('t', 'p') + SECRET + '---\napiVersion: axon.io/v1alpha1\nkind: Taskk\nmetadata: {name: x}\n',
    at: 't.yaml:',
    message: /Taskk x: kind Taskk \(axon\.io\/v1alpha1\) is not one Dendrite knows \(Task, Workspace, AgentConfig, TaskSpawner\) — did you mean Task\?/,
  },
  {
    kind: 'a Kelos Task',
    yaml: taskYaml('t', 'p') + SECRET + '---\napiVersion: kelos.dev/v1alpha1\nkind: Task\nmetadata: {name: k}\n',
    at: 't.yaml:',
    message: /Task k: kind Task \(kelos\.dev\/v1alpha1\) is Kelos's group; Dendrite serves Axon's — use apiVersion: axon\.io\/v1alpha1/,
  },
  {
    kind: 'a TaskSpawner without a spec',
    yaml: taskYaml('t', 'p') + SECRET + '---\napiVersion: axon.io/v1alpha1\nkind: TaskSpawner\nmetadata: {name: s}\n',
    at: 't.yaml:',
    message: /TaskSpawner s: the TaskSpawner: missing required field "spec"/,
  },
  {
    kind: 'a document without a kind',
    yaml: taskYaml('t', 'p') + SECRET + '---\napiVersion: v1\nmetadata: {name: n}\n',
    at: 't.yaml:',
    message: /document n: a manifest needs apiVersion and kind/,
  },
];

for (const { kind, yaml, at, message } of cases) {
  test(`validate catches ${kind}`, async () => {
    const { code, lines, dir } = await validate(yaml);
    assert.equal(code, 1, lines.join('\n'));
    const problem = lines.find((line) => message.test(line));
    assert.ok(problem, `expected ${message} in:\n${lines.join('\n')}`);
    assert.ok(problem.startsWith(join(dir, at)), `${problem} should start with ${at}`);
    assert.ok(!problem.includes('warning:'), 'an error');
    assert.match(lines.at(-1)!, /^✗ \d+ problems? in /);
  });
}

test('a kind Dendrite does not act on is a warning, not a failure; a Workspace Secret not given is a warning', async () => {
  const { code, lines } = await validate(WORKSPACE + '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n');
  assert.equal(code, 0, lines.join('\n'));
  assert.ok(lines.some((l) => /warning: ConfigMap settings: kind ConfigMap \(v1\) is not one Dendrite acts on: kubectl would apply it, and nothing here uses it/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /warning: Workspace ws: Secret "gh" is not among the given manifests — it must exist in namespace default, with a GITHUB_TOKEN key/.test(l)), lines.join('\n'));
  assert.equal(lines.at(-1), '✓ 0 Tasks, 1 Workspace, 0 Secrets: valid, 2 warnings');
});

test('a token written into the repository URL is a warning naming secretRef', async () => {
  const { code, lines } = await validate(WORKSPACE.replace('https://github.com/o/r.git', 'https://x-access-token:ghp_leak@github.com/o/r.git') + GH);
  assert.equal(code, 0, lines.join('\n'));
  const warning = lines.find((l) => /warning: Workspace ws: spec\.repo: holds a password or token/.test(l));
  assert.ok(warning && /t\.yaml:5:9: /.test(warning), lines.join('\n'));
  assert.ok(!warning.includes('ghp_leak'), 'the token is not repeated');
});

test('files holding only kinds Dendrite does not act on are said to hold nothing to check', async () => {
  const { code, lines } = await validate('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\n');
  assert.equal(code, 1);
  assert.match(lines[0]!, /no Task, TaskSpawner, Workspace or AgentConfig manifests \(apiVersion: axon\.io\/v1alpha1\) in .* \(only ConfigMap\)/);
});
