import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { validateCommand } from '../../cli/validate.js';
import { captureContext, EXAMPLE, runCli, SECRET, taskYaml, writeFiles } from './cli.js';

async function validate(files: Record<string, string>): Promise<{ code: number; lines: string[]; dir: string }> {
  const dir = writeFiles(files);
  const { ctx, captured } = captureContext();
  const code = await validateCommand({ paths: [dir], namespace: 'default' }, ctx);
  return { code, lines: captured.stdout.trimEnd().split('\n'), dir };
}

test('the seed example is valid (exit 0)', async () => {
  const result = await runCli(['validate', EXAMPLE]);
  assert.equal(result.code, 0, result.stdout);
  assert.equal(result.stdout, '✓ 3 Tasks, 1 Secret: valid\n');
});

// Each problem kind alone, with where it is reported (file:line:col) and what it says.
const cases: Array<{ kind: string; yaml: string; at: string; message: RegExp }> = [
  {
    kind: 'schema: a value outside the enum',
    yaml: 'apiVersion: axon.io/v1alpha1\nkind: Task\nmetadata: {name: a}\nspec:\n  type: claude\n  prompt: p\n  credentials: {type: api-key, secretRef: {name: keys}}\n',
    at: 't.yaml:5:9',
    message: /a: spec\.type: must be one of "claude-code", "codex", "gemini", "opencode"/,
  },
  {
    kind: 'schema: a missing required field',
    yaml: 'apiVersion: axon.io/v1alpha1\nkind: Task\nmetadata: {name: a}\nspec:\n  type: codex\n  credentials: {type: api-key, secretRef: {name: keys}}\n',
    at: 't.yaml:5:3',
    message: /a: spec: missing required field "prompt"/,
  },
  {
    kind: 'schema: an unknown (misspelt) field',
    yaml: 'apiVersion: axon.io/v1alpha1\nkind: Task\nmetadata: {name: a}\nspec:\n  type: codex\n  prompt: p\n  credentials: {type: api-key, secretRef: {name: keys}}\n  dependson: [b]\n',
    at: 't.yaml:8:14',
    message: /a: spec\.dependson: unknown field/,
  },
  {
    kind: 'schema: an apiVersion the CRD does not serve',
    yaml: 'apiVersion: axon.io/v1beta1\nkind: Task\nmetadata: {name: a}\nspec:\n  type: codex\n  prompt: p\n  credentials: {type: api-key, secretRef: {name: keys}}\n',
    at: 't.yaml:1:13',
    message: /apiVersion: the Task CRD serves axon\.io\/v1alpha1/,
  },
  {
    kind: 'rule: a name that cannot name a Job',
    yaml: taskYaml('Not_A_Label', 'p'),
    at: 't.yaml:2:',
    message: /Not_A_Label: metadata\.name: "Not_A_Label" is not a valid Task name/,
  },
  {
    kind: 'rule: a self-dependency',
    yaml: taskYaml('a', 'p', { dependsOn: ['a'] }),
    at: 't.yaml:2:',
    message: /a: spec\.dependsOn\[0\]: the Task depends on itself/,
  },
  {
    kind: 'an unknown dependency',
    yaml: taskYaml('a', 'p', { dependsOn: ['ghost'] }),
    at: 't.yaml:2:',
    message: /a: spec\.dependsOn\[0\]: no Task named "ghost" is given/,
  },
  {
    kind: 'a dependency cycle',
    yaml: taskYaml('a', 'p', { dependsOn: ['b'] }) + taskYaml('b', 'p', { dependsOn: ['c'] }) + taskYaml('c', 'p', { dependsOn: ['a'] }),
    at: 't.yaml:2:',
    message: /a: dependency cycle: a → b → c → a/,
  },
  {
    kind: 'a template that does not parse, placed at its line in the file',
    yaml:
      taskYaml('b', 'p') +
      '---\napiVersion: axon.io/v1alpha1\nkind: Task\nmetadata: {name: a}\nspec:\n  type: codex\n  dependsOn: [b]\n  credentials: {type: api-key, secretRef: {name: keys}}\n  prompt: |\n    fine line\n    {{ index .Deps "b" "Outputs" }\n    last line\n',
    at: 't.yaml:13:34', // the stray "}" itself
    message: /a: spec\.prompt: template: prompt:2: unexpected "}"/,
  },
  {
    kind: 'the same Task twice',
    yaml: taskYaml('a', 'p') + taskYaml('a', 'q'),
    at: 't.yaml:4:',
    message: /a: metadata\.name: "a" is also defined at .*t\.yaml:2/,
  },
];

for (const { kind, yaml, at, message } of cases) {
  test(`validate catches ${kind}`, async () => {
    const { code, lines, dir } = await validate({ 't.yaml': yaml + SECRET });
    assert.equal(code, 1, lines.join('\n'));
    const problem = lines.find((line) => message.test(line));
    assert.ok(problem, `expected ${message} in:\n${lines.join('\n')}`);
    assert.ok(problem.startsWith(join(dir, at)), `${problem} should start with ${at}`);
    assert.match(lines.at(-1)!, /^✗ \d+ problems? in /);
  });
}

test('a YAML syntax error is reported with its line and column', async () => {
  const { code, lines } = await validate({ 't.yaml': 'apiVersion: axon.io/v1alpha1\nkind: Task\nmetadata: {name: a\n' });
  assert.equal(code, 1);
  assert.match(lines[0]!, /t\.yaml:\d+:\d+: YAML: /);
});

test('a Secret that is not given is a warning, not a failure', async () => {
  const { code, lines } = await validate({ 't.yaml': taskYaml('a', 'p') });
  assert.equal(code, 0, lines.join('\n'));
  assert.match(lines[0]!, /warning: a: Secret "keys" is not among the given manifests/);
  assert.equal(lines.at(-1), '✓ 1 Task, 0 Secrets: valid, 1 warning');
});

test('several problems are all reported, in file order, and the schema and the rules do not repeat each other', async () => {
  const { code, lines } = await validate({
    't.yaml': taskYaml('a', 'p', { type: 'cobol', dependsOn: ['ghost'] }) + taskYaml('b', '', {}) + SECRET,
  });
  assert.equal(code, 1);
  const problems = lines.slice(0, -1);
  assert.equal(problems.filter((l) => l.includes('spec.type')).length, 1, problems.join('\n'));
  assert.ok(problems.some((l) => /ghost/.test(l)));
  assert.ok(problems.some((l) => /b: spec\.prompt/.test(l)));
  const positions = problems.map((l) => Number(/t\.yaml:(\d+):/.exec(l)![1]));
  assert.deepEqual(positions, [...positions].sort((x, y) => x - y));
});

const TASK = 'apiVersion: axon.io/v1alpha1\nkind: Task\nmetadata: {name: a}\nspec:\n  type: codex\n  prompt: p\n  credentials: {type: api-key, secretRef: {name: keys}}\n';

test('a Secret the API server would refuse is an error at its key, and still counts as given', async () => {
  for (const [data, at, message] of [
    ['data:\n  OPENAI_API_KEY: "not base64!"\n', 't.yaml:13:19', /Secret keys: data\.OPENAI_API_KEY is not valid base64 \(use stringData for plain text\)/],
    ['data:\n  OPENAI_API_KEY: c2stdGVzdA\n', 't.yaml:13:19', /data\.OPENAI_API_KEY is not valid base64/],
    ['stringData:\n  OPENAI_API_KEY: {nested: 1}\n', 't.yaml:13:19', /Secret keys: stringData\.OPENAI_API_KEY must be a string, got a map/],
    ['stringData:\n  OPENAI_API_KEY: 12345\n', 't.yaml:13:19', /stringData\.OPENAI_API_KEY must be a string, got a number \(quote it\)/],
  ] as const) {
    const { code, lines } = await validate({ 't.yaml': `${TASK}---\napiVersion: v1\nkind: Secret\nmetadata: {name: keys}\n${data}` });
    assert.equal(code, 1, data);
    assert.ok(lines.some((l) => l.includes(`/${at}: `) && message.test(l)), `${data}\n${lines.join('\n')}`);
    assert.ok(!lines.some((l) => /is not among the given manifests/.test(l)), 'the Secret is there, and said to be');
    assert.equal(lines.at(-1), '✗ 1 problem in 1 Task, 1 Secret');
  }
  const wrapped = await validate({ 't.yaml': `${TASK}---\napiVersion: v1\nkind: Secret\nmetadata: {name: keys}\ndata:\n  OPENAI_API_KEY: |\n    c2stdGVz\n    dA==\n` });
  assert.equal(wrapped.code, 0, `line breaks in base64 are fine, as for the API server:\n${wrapped.lines.join('\n')}`);
});

test('an empty directory or a missing path is said to hold nothing, not to be unreadable', async () => {
  const { ctx, captured } = captureContext();
  const empty = writeFiles({ 'notes.txt': 'not a manifest' });
  assert.equal(await validateCommand({ paths: [empty], namespace: 'default' }, ctx), 1);
  assert.match(captured.stdout, /the directory holds no \.yaml, \.yml or \.json files\n✗ not valid: nothing to validate there/);
  assert.doesNotMatch(captured.stdout, /cannot be read/);
  captured.stdout = '';
  assert.equal(await validateCommand({ paths: [join(empty, 'missing.yaml')], namespace: 'default' }, ctx), 1);
  assert.match(captured.stdout, /no such file or directory\n✗ not valid: nothing to validate there/);
  captured.stdout = '';
  await validateCommand({ paths: [writeFiles({ 't.yaml': 'a: [1,\n' })], namespace: 'default' }, ctx);
  assert.match(captured.stdout, /✗ not valid: the file cannot be read as manifests/);
});
