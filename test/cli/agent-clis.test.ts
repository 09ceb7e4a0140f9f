// Without --agent, each Task type runs its own CLI, with its machine-readable output on, as the
// agent images run it: executables named claude, codex, gemini and opencode on PATH (stand-ins
// that answer in each CLI's format) — their answers reach the synthesizing prompt, their usage
// the JSON, and claude's own error report fails its Task and the dependents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { cliEnv, parseJson, ROOT, runCli, taskYaml, tempDir, writeFiles } from './cli.js';

const FAKE = join(ROOT, 'test/fixtures/agent-clis/fake-cli.mjs');
/** The credential each type's Jobs take from the Secret, as in a cluster. */
const KEYS = `---\n${JSON.stringify({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'keys' },
  stringData: { ANTHROPIC_API_KEY: 'a', CODEX_API_KEY: 'c', GEMINI_API_KEY: 'g', OPENCODE_API_KEY: 'o' },
})}\n`;
const CLIS = { 'claude-code': 'claude', codex: 'codex', gemini: 'gemini', opencode: 'opencode' } as const;

/** A PATH directory holding the four fake CLIs, and one where they record what they were given. */
function fakePath(): { bin: string; record: string; env: Record<string, string> } {
  const bin = tempDir('dendrite-fake-clis-');
  for (const name of Object.values(CLIS)) symlinkSync(FAKE, join(bin, name));
  const home = tempDir('dendrite-fake-home-');
  const record = join(home, 'fake-cli-record');
  mkdirSync(record);
  return { bin, record, env: cliEnv({ PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: home }) };
}

test('each type runs its own CLI in its structured format; every answer reaches the synthesizing prompt', async () => {
  const { record, env } = fakePath();
  const research = Object.keys(CLIS).map((type) => `r-${type}`);
  const dir = writeFiles({
    'tasks.yaml':
      Object.keys(CLIS).map((type) => taskYaml(`r-${type}`, `Research as ${type}`, { type, ...(type === 'codex' ? { model: 'gpt-x' } : {}) })).join('') +
      taskYaml('synth', '{{ range $name, $dep := .Deps }}{{ $name }} said: {{ $dep.Response }}\n{{ end }}', { dependsOn: research }) +
      KEYS,
  });
  const result = await runCli(['run', dir, '-o', 'json'], env);
  assert.equal(result.code, 0, result.stderr);
  const tasks = Object.fromEntries(parseJson(result).map((t) => [t.name, t]));
  for (const [type, cli] of Object.entries(CLIS)) {
    const task = tasks[`r-${type}`]!;
    assert.equal(task.phase, 'Succeeded', `${type}: ${task.message}`);
    assert.equal(task.response, `answer from ${cli}: Research as ${type}`);
    assert.deepEqual(task.results, { agent: cli });
    assert.ok(task.usage && task.usage.inputTokens > 0 && task.usage.outputTokens > 0, `${type} usage`);
    assert.match(tasks.synth!.prompt!, new RegExp(`r-${type} said: answer from ${cli}: Research as ${type}\\n`));
  }
  assert.equal(tasks['r-claude-code']!.usage!.costUSD, 0.001);
  assert.equal(tasks['r-opencode']!.usage!.costUSD, 0.003);
  assert.equal(tasks['r-codex']!.usage!.costUSD, undefined);
  // The flags each CLI got, the prompt last: as the agent images pass them (the model too).
  const argv = Object.fromEntries(
    readdirSync(record).map((f) => JSON.parse(readFileSync(join(record, f), 'utf8')) as { cli: string; args: string[] }).filter((r) => r.args.at(-1)!.startsWith('Research')).map((r) => [r.cli, r.args]),
  );
  assert.deepEqual(argv.claude, ['--output-format', 'stream-json', '--verbose', '-p', 'Research as claude-code']);
  assert.deepEqual(argv.codex, ['exec', '--json', '--model', 'gpt-x', 'Research as codex']);
  assert.deepEqual(argv.gemini, ['--output-format', 'stream-json', '-p', 'Research as gemini']);
  assert.deepEqual(argv.opencode, ['run', '--format', 'json', 'Research as opencode']);
  // The summary shows each Task's usage and the total.
  assert.match(result.stderr, /^r-opencode +Succeeded +[\d.]+s +36 tokens, \$0\.0030$/m);
  assert.match(result.stderr, /5 Tasks in [\d.]+s: 5 succeeded · [\d,]+ tokens, \$0\.\d{4}/);
});

test('claude reporting error_max_turns with exit code 0 fails its Task with the agent\'s reason, and the dependents', async () => {
  const { env } = fakePath();
  const dir = writeFiles({
    'tasks.yaml': taskYaml('worker', 'Please exhaust your turns') + taskYaml('after', 'then {{ .Deps.worker.Response }}', { dependsOn: ['worker'] }) + KEYS,
  });
  const result = await runCli(['run', dir, '-o', 'json'], env);
  assert.equal(result.code, 1, result.stderr);
  const [worker, after] = parseJson(result);
  assert.deepEqual([worker!.phase, worker!.message], ['Failed', 'agent reported error_max_turns after 3 turns']);
  assert.deepEqual(worker!.usage, { inputTokens: 30, outputTokens: 3, costUSD: 0.002 });
  assert.deepEqual([after!.phase, after!.message], ['Failed', 'Dependency "worker" failed']);
  assert.equal(after!.prompt, null, 'no agent was started for the dependent');
});

test('--logs shows each format as lines for people, not raw JSON', async () => {
  const { env } = fakePath();
  const dir = writeFiles({ 'tasks.yaml': taskYaml('talk', 'Hello there', { type: 'codex' }) + KEYS });
  const result = await runCli(['run', dir, '--logs'], env);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^talk \| answer from codex: Hello there$/m);
  assert.match(result.stdout, /^talk \| ✓ turn done \(21 tokens out\)$/m);
  assert.doesNotMatch(result.stdout, /^talk \| \{/m);
});
