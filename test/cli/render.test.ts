import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { renderCommand } from '../../cli/render.js';
import { captureContext, EXAMPLE, parseJson, recorded, runCli, scripted, taskYaml, tempDir, writeFiles } from './cli.js';

async function render(file: string, options: { deps?: string; task?: string } = {}) {
  const { ctx, captured } = captureContext();
  const code = await renderCommand({ file, namespace: 'default', ...options }, ctx);
  return { code, ...captured };
}

test('render prints exactly the prompt `run` gave the agent, for the same dependency outputs', async () => {
  const record = tempDir();
  const result = await runCli(['run', EXAMPLE, '--agent', scripted('outputs', record), '-o', 'json']);
  assert.equal(result.code, 0, result.stderr);
  const tasks = parseJson(result);
  const received = recorded(record)
    .map((r) => r.argv.at(-1)!)
    .find((prompt) => prompt.startsWith('Two research Tasks have finished'));
  assert.ok(received, 'the orchestrator agent ran');

  // One dependency as {outputs, response}, one as {outputs, results, response}.
  const [api, model] = tasks;
  const deps = join(tempDir(), 'deps.json');
  writeFileSync(
    deps,
    JSON.stringify({
      [api!.name]: { outputs: api!.outputs, response: api!.response },
      [model!.name]: { outputs: model!.outputs, results: model!.results, response: model!.response },
    }),
  );
  const rendered = await render(join(EXAMPLE, 'tasks.yaml'), { task: 'synthesize-design', deps });
  assert.equal(rendered.code, 0, rendered.stderr);
  assert.equal(rendered.stdout, received);
  assert.equal(rendered.stdout, tasks[2]!.prompt);
});

test('a Task without dependencies is not a template: its prompt is printed unchanged', async () => {
  const dir = writeFiles({ 't.yaml': taskYaml('plain', 'Keep {{ these }} braces\n') });
  const rendered = await render(join(dir, 't.yaml'));
  assert.equal(rendered.code, 0, rendered.stderr);
  assert.equal(rendered.stdout, 'Keep {{ these }} braces\n');
});

test('a template error names file:line:col in the manifest', async () => {
  const dir = writeFiles({
    't.yaml': [
      'apiVersion: axon.io/v1alpha1',
      'kind: Task',
      'metadata: {name: needs}',
      'spec:',
      '  type: codex',
      '  credentials: {type: api-key, secretRef: {name: keys}}',
      '  dependsOn: [dep]',
      '  prompt: |',
      '    first line',
      '    value: {{ .Deps.dep.Results.absent }}',
      '',
    ].join('\n'),
  });
  const deps = join(dir, 'deps.yaml');
  writeFileSync(deps, 'dep:\n  - "present: yes"\n');
  const rendered = await render(join(dir, 't.yaml'), { deps });
  assert.equal(rendered.code, 1);
  // The engine's position inside the prompt (line 2, 0-based column c as Go prints it) is moved
  // onto the file: the block's second line is line 10, indented by 4.
  const [, col] = /prompt:2:(\d+):/.exec(rendered.stderr) ?? [];
  assert.ok(col, rendered.stderr);
  assert.match(rendered.stderr, new RegExp(`${join(dir, 't.yaml')}:10:${4 + Number(col) + 1}: needs: prompt template: .*absent`));
  assert.equal(rendered.stdout, '');
});

test('render says what is missing or ambiguous', async () => {
  const example = join(EXAMPLE, 'tasks.yaml');
  const dir = writeFiles({ 'deps.yaml': 'research-api-design: [a]\nunrelated: [b]\n', 'bad.yaml': 'research-api-design: 42\n' });
  const cases: Array<[Awaited<ReturnType<typeof render>>, RegExp]> = [
    [await render(example), /holds 3 Tasks .*choose one with --task/],
    [await render(example, { task: 'nope' }), /no Task named "nope"/],
    [await render(example, { task: 'synthesize-design' }), /pass --deps <file> with the outputs of "research-api-design", "research-data-model"/],
    [await render(example, { task: 'synthesize-design', deps: join(dir, 'deps.yaml') }), /gives nothing for "research-data-model"/],
    [await render(example, { task: 'synthesize-design', deps: join(dir, 'bad.yaml') }), /research-api-design: give a list of output lines or \{outputs, results, response\}/],
  ];
  for (const [result, message] of cases) {
    assert.equal(result.code, 1);
    assert.match(result.stderr, message);
  }
});

test('dependencies given but not depended on are pointed out', async () => {
  const dir = writeFiles({ 'deps.yaml': 'research-api-design: [a]\nresearch-data-model: ["schema: s"]\nunrelated: [b]\n' });
  const result = await render(join(EXAMPLE, 'tasks.yaml'), { task: 'synthesize-design', deps: join(dir, 'deps.yaml') });
  assert.equal(result.code, 0);
  assert.match(result.stderr, /note: .* also gives "unrelated", which synthesize-design does not depend on/);
  assert.match(result.stdout, /- a\n/);
  assert.match(result.stdout, /Schema: s\n/);
});
