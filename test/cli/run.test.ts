import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  alive,
  cliEnv,
  EXAMPLE,
  parseJson,
  recorded,
  runCli,
  scripted,
  SECRET,
  STAND_IN,
  startCli,
  taskYaml,
  tempDir,
  waitFor,
  writeFiles,
} from './cli.js';

const SEED = ['research-api-design', 'research-data-model', 'synthesize-design'];

/** Rows the plain (non-terminal) table printed, as [name, phase] in order. */
function transitions(text: string): Array<[string, string]> {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s{3,}/))
    .filter((cells) => cells.length === 4 && cells[0] !== 'NAME' && /^[A-Z][a-z]+$/.test(cells[2] ?? ''))
    .map((cells) => [cells[0] as string, cells[2] as string]);
}

test('the seed example with the stand-in agent: research in parallel, synthesis waits, then gets their outputs', async () => {
  const result = await runCli(['run', 'examples/05-orchestrator', '--agent', STAND_IN]);
  assert.equal(result.code, 0, result.stderr);
  const seen = transitions(result.stdout);
  const at = (name: string, phase: string) => seen.findIndex(([n, p]) => n === name && p === phase);
  for (const name of SEED) assert.ok(at(name, 'Succeeded') >= 0, `${name} succeeded:\n${result.stdout}`);
  assert.ok(at('synthesize-design', 'Waiting') >= 0, 'synthesize-design waited');
  // Both research agents were running before either finished (the stand-in takes ≥ 400 ms).
  const firstDone = Math.min(at('research-api-design', 'Succeeded'), at('research-data-model', 'Succeeded'));
  assert.ok(at('research-api-design', 'Running') < firstDone && at('research-data-model', 'Running') < firstDone);
  const lastResearch = Math.max(at('research-api-design', 'Succeeded'), at('research-data-model', 'Succeeded'));
  assert.ok(at('synthesize-design', 'Running') > lastResearch, 'synthesis started after both');
  // The summary: the fan-in reached the orchestrator's prompt, and its outputs are listed.
  assert.match(result.stdout, /schema: Project\(id, name\)/);
  assert.match(result.stdout, /design: 5 endpoints checked against the data model/);
  assert.match(result.stdout, /3 Tasks in [\d.]+s: 3 succeeded · [\d,]+ tokens/);
  // The stand-in answers as Claude Code does (stream-json): each Task shows its tokens.
  assert.match(result.stdout, /^research-api-design +Succeeded +[\d.]+s +[\d,]+ tokens$/m);
});

test('the research answers reach the orchestrator\'s prompt as Response, and --output json has answers and usage', async () => {
  const result = await runCli(['run', 'examples/05-orchestrator', '--agent', STAND_IN, '-o', 'json']);
  assert.equal(result.code, 0, result.stderr);
  const [api, model, synth] = parseJson(result);
  assert.match(api!.response, /^\[stand-in agent: no model was called[^\n]*\]\nI propose 5 endpoints for projects, tasks, comments, users/);
  assert.doesNotMatch(api!.response, /AXON_OUTPUTS/, 'the block is the outputs, not part of the answer');
  assert.ok(api!.usage!.inputTokens > 0 && api!.usage!.outputTokens > 0);
  assert.match(synth!.prompt!, new RegExp(`What the API research concluded:\n${escape(api!.response)}\n`));
  assert.match(synth!.prompt!, new RegExp(`What the data-model research concluded:\n${escape(model!.response)}\n`));
});


test('--output json: the contract, the outputs and results, and exactly the prompts the agents received', async () => {
  const record = tempDir();
  const result = await runCli(['run', EXAMPLE, '--agent', scripted('outputs', record), '--output', 'json']);
  assert.equal(result.code, 0, result.stderr);
  const tasks = parseJson(result);
  assert.deepEqual(tasks.map((t) => t.name), SEED, 'in manifest order');
  for (const task of tasks) {
    assert.deepEqual(Object.keys(task).sort(), ['message', 'name', 'outputs', 'phase', 'prompt', 'response', 'results', 'usage']);
    assert.equal(task.phase, 'Succeeded');
    assert.equal(task.outputs.length, 3);
    assert.equal(task.results.words, String(task.prompt!.split(/\s+/).filter(Boolean).length));
  }
  const [api, model, synth] = tasks as [(typeof tasks)[0], (typeof tasks)[0], (typeof tasks)[0]];
  assert.equal(api.results.echo, 'You are researching the HTTP API for a small task-tracking service');
  // The orchestrator's prompt was rendered from the research outputs.
  assert.match(synth.prompt!, /Proposed endpoints:\n- echo: You are researching the HTTP API[^\n]*\n- words: \d+\n- a plain output line\n/);
  assert.match(synth.prompt!, /\nSchema: \n/, 'research-data-model has no "schema" result here');
  assert.doesNotMatch(synth.prompt!, /\{\{/);
  // What the agents got as their last argument is what the JSON reports.
  const prompts = recorded(record).map((r) => r.argv.at(-1)).sort();
  assert.deepEqual(prompts, tasks.map((t) => t.prompt).sort());
  assert.equal(model.message, 'Task succeeded');
  // The table and summary went to stderr, so stdout is only JSON.
  assert.match(result.stderr, /3 Tasks in/);
});

test('agents get PATH, HOME and their credential from the Secret — nothing else from the environment', async () => {
  const record = tempDir();
  const dir = writeFiles({ 'tasks.yaml': taskYaml('alone', 'do it', { model: 'claude-opus' }) + SECRET });
  const result = await runCli(
    ['run', dir, '--agent', scripted('success', record)],
    cliEnv({ DENDRITE_CANARY: 'must-not-leak', ANTHROPIC_API_KEY: 'from-the-shell' }),
  );
  assert.equal(result.code, 0, result.stderr);
  const [run] = recorded(record);
  assert.deepEqual(Object.keys(run!.env).sort(), ['ANTHROPIC_API_KEY', 'AXON_MODEL', 'DENDRITE_AGENT_ID', 'HOME', 'PATH']);
  assert.equal(run!.env.ANTHROPIC_API_KEY, 'sk-test-secret', 'from the Secret manifest, not the shell');
  assert.equal(run!.env.AXON_MODEL, 'claude-opus');
  assert.ok(!result.stdout.includes('sk-test-secret') && !result.stderr.includes('sk-test-secret'), 'the secret is never printed');
});

test('a failing agent fails its Task (exit 1), its dependents fail naming the cause, the summary shows why', async () => {
  const result = await runCli(['run', EXAMPLE, '--agent', scripted('failure'), '-o', 'json']);
  assert.equal(result.code, 1);
  const tasks = parseJson(result);
  assert.deepEqual(tasks.map((t) => t.phase), ['Failed', 'Failed', 'Failed']);
  assert.match(tasks[0]!.message!, /Job failed: .*the agent exited with code 3/);
  assert.match(tasks[2]!.message!, /^Dependency "research-(api-design|data-model)" failed$/);
  assert.equal(tasks[2]!.prompt, null, 'the orchestrator never started');
  assert.match(result.stderr, /\| fatal: the scripted failure happened/, 'the end of the agent log is shown');
  assert.match(result.stderr, /3 Tasks in [\d.]+s: 3 failed/);
});

test('an agent that prints nothing succeeds with no outputs', async () => {
  const result = await runCli(['run', EXAMPLE, '--agent', scripted('silent'), '-o', 'json']);
  assert.equal(result.code, 0, result.stderr);
  for (const task of parseJson(result)) {
    assert.equal(task.phase, 'Succeeded');
    assert.deepEqual(task.outputs, []);
    assert.deepEqual(task.results, {});
  }
  assert.match(result.stderr, /\(no output block\)/);
});

test('a Task waiting for a Task that was not given is reported as stalled (exit 1), the rest still run', async () => {
  const dir = writeFiles({
    'tasks.yaml': taskYaml('first', 'agent: outputs') + taskYaml('orphan', '{{ .Deps.ghost.Outputs }}', { dependsOn: ['first', 'ghost'] }) + SECRET,
  });
  const result = await runCli(['run', dir, '--agent', scripted('scripted'), '-o', 'json']);
  assert.equal(result.code, 1);
  const [first, orphan] = parseJson(result);
  assert.equal(first!.phase, 'Succeeded');
  assert.equal(orphan!.phase, 'Waiting');
  assert.match(orphan!.message!, /stalled: no Task named "ghost" was given/);
  assert.match(result.stderr, /1 succeeded, 1 stalled/);
});

test('a template problem at render time fails the Task concerned with the engine\'s message', async () => {
  const dir = writeFiles({
    'tasks.yaml': taskYaml('base', 'agent: outputs') + taskYaml('bad-key', '{{ .Deps.base.Results.missing }}', { dependsOn: ['base'] }) + SECRET,
  });
  const result = await runCli(['run', dir, '--agent', scripted('scripted'), '-o', 'json']);
  assert.equal(result.code, 1);
  const byName = Object.fromEntries(parseJson(result).map((t) => [t.name, t]));
  assert.equal(byName.base!.phase, 'Succeeded');
  assert.equal(byName['bad-key']!.phase, 'Failed');
  assert.match(byName['bad-key']!.message!, /^prompt template\b.*missing/);
});

test('a dependency cycle, which validate reports, is refused before anything runs (exit 2), as validate says it', async () => {
  const dir = writeFiles({
    'tasks.yaml': taskYaml('free', 'x') + taskYaml('loop-a', 'x', { dependsOn: ['loop-b'] }) + taskYaml('loop-b', 'x', { dependsOn: ['loop-a'] }) + SECRET,
  });
  const record = tempDir();
  const result = await runCli(['run', dir, '--agent', scripted('success', record)]);
  assert.equal(result.code, 2, result.stdout);
  assert.match(result.stderr, /tasks\.yaml:\d+:\d+: loop-a: dependency cycle: loop-a → loop-b → loop-a/);
  assert.match(result.stderr, /dendrite run: these Tasks depend on each other in a cycle, so none of them could ever start; nothing was run/);
  assert.equal(recorded(record).length, 0, 'no agent ran');
});

test('--logs streams each agent\'s output, prefixed with its Task', async () => {
  const dir = writeFiles({ 'tasks.yaml': taskYaml('talker', 'agent: outputs\nhello there') + SECRET });
  const result = await runCli(['run', dir, '--agent', scripted('scripted'), '--logs']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^talker \| thinking\.\.\.$/m);
  assert.match(result.stdout, /^talker \| echo: hello there$/m);
});

test('Ctrl-C stops every agent and what it started, and the summary says what was interrupted (exit 130)', async () => {
  const record = tempDir();
  const running = startCli(['run', EXAMPLE, '--agent', scripted('slow', record)]);
  const starts = await waitFor('both slow agents to start', () => {
    const files = readdirSync(record).filter((f) => f.startsWith('slow-'));
    return files.length === 2 && files;
  });
  await waitFor('the table to show them running', () => (running.output().match(/Running/g) ?? []).length >= 2);
  const pids = starts.flatMap((f) => {
    const { pid, child } = JSON.parse(readFileSync(join(record, f), 'utf8')) as { pid: number; child: number };
    return [pid, child];
  });
  assert.ok(pids.every(alive));
  running.child.kill('SIGINT');
  const result = await running.result;
  assert.equal(result.code, 130);
  assert.match(result.stdout, /Interrupted: stopping 2 running agents/);
  assert.match(result.stdout, /interrupted while Running: its agent was stopped/);
  assert.match(result.stdout, /synthesize-design +Waiting/);
  assert.match(result.stdout, /3 Tasks in [\d.]+s: 3 interrupted/);
  await waitFor('no agent process left', () => pids.every((pid) => !alive(pid)), 5000);
});

test('without --agent a missing agent CLI is a clear error before anything runs (exit 2)', async () => {
  const result = await runCli(['run', EXAMPLE], cliEnv({ PATH: tempDir() }));
  assert.equal(result.code, 2);
  assert.match(result.stderr, /claude-code Tasks run `claude`, which is not on PATH/);
  assert.match(result.stderr, /npm install -g @anthropic-ai\/claude-code/);
  assert.match(result.stderr, /--agent/);
});

test('the missing-agent hint works as given from any directory, not only the repository\'s', async () => {
  const elsewhere = tempDir('dendrite-elsewhere-');
  const refused = await runCli(['run', EXAMPLE], cliEnv({ PATH: tempDir() }), elsewhere);
  const hint = /to try Dendrite without an agent: --agent "([^"]+)"/.exec(refused.stderr)?.[1];
  assert.ok(hint, refused.stderr);
  // The hint names `node`; here the test's own node runs it, as PATH would find one.
  const command = hint.replace(/^node /, `${JSON.stringify(process.execPath)} `);
  const result = await runCli(['run', EXAMPLE, '--agent', command], cliEnv(), elsewhere);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /3 Tasks in [\d.]+s: 3 succeeded · [\d,]+ tokens/);
  // The stand-in answers as Claude Code does (stream-json): each Task shows its tokens.
  assert.match(result.stdout, /^research-api-design +Succeeded +[\d.]+s +[\d,]+ tokens$/m);
});

test('the research answers reach the orchestrator\'s prompt as Response, and --output json has answers and usage', async () => {
  const result = await runCli(['run', 'examples/05-orchestrator', '--agent', STAND_IN, '-o', 'json']);
  assert.equal(result.code, 0, result.stderr);
  const [api, model, synth] = parseJson(result);
  assert.match(api!.response, /^\[stand-in agent: no model was called[^\n]*\]\nI propose 5 endpoints for projects, tasks, comments, users/);
  assert.doesNotMatch(api!.response, /AXON_OUTPUTS/, 'the block is the outputs, not part of the answer');
  assert.ok(api!.usage!.inputTokens > 0 && api!.usage!.outputTokens > 0);
  assert.match(synth!.prompt!, new RegExp(`What the API research concluded:\n${escape(api!.response)}\n`));
  assert.match(synth!.prompt!, new RegExp(`What the data-model research concluded:\n${escape(model!.response)}\n`));
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('bad input is refused before anything runs (exit 2)', async () => {
  const invalid = writeFiles({ 't.yaml': taskYaml('x', 'p', { type: 'cobol' }) });
  const cases: Array<[string[], RegExp]> = [
    [['run', 'no/such/dir'], /no\/such\/dir: no such file or directory/],
    [['run', invalid, '--agent', 'true'], /spec\.type: must be one of .*kubectl apply would refuse/s],
    [['run', writeFiles({ 't.yaml': 'a: [1,\n' }), '--agent', 'true'], /t\.yaml:\d+:\d+: YAML/],
    [['run', writeFiles({ 't.yaml': SECRET }), '--agent', 'true'], /no Task or TaskSpawner manifests/],
    [['run', writeFiles({ 't.yaml': taskYaml('twin', 'a') + taskYaml('twin', 'b') }), '--agent', 'true'], /t\.yaml:\d+:\d+: Task default\/twin is also defined at .*t\.yaml:\d+.*two manifests define the same Task: kubectl apply would apply the second over the first/s],
    [['run', EXAMPLE, '--agent', '"unterminated'], /unterminated double quote/],
    [['run', writeFiles({ 't.yaml': taskYaml('a', 'p') + SECRET.replace('"stringData":{"ANTHROPIC_API_KEY":"sk-test-secret"}', '"stringData":{"ANTHROPIC_API_KEY":{"nested":1}}') }), '--agent', 'true'], /t\.yaml:\d+:\d+: Secret keys: stringData\.ANTHROPIC_API_KEY must be a string, got a map.*kubectl apply would refuse/s],
    [['run', writeFiles({ 't.yaml': taskYaml('a', 'p') + SECRET.replace('"stringData":{"ANTHROPIC_API_KEY":"sk-test-secret"}', '"data":{"ANTHROPIC_API_KEY":"not base64!"}') }), '--agent', 'true'], /t\.yaml:\d+:\d+: Secret keys: data\.ANTHROPIC_API_KEY is not valid base64.*kubectl apply would refuse/s],
    [['run', EXAMPLE, '--output', 'yaml'], /Allowed choices are table, json/],
  ];
  for (const [args, message] of cases) {
    const result = await runCli(args);
    assert.equal(result.code, 2, args.join(' '));
    assert.match(result.stderr, message, args.join(' '));
  }
});

test('a Secret the Tasks need is missing: the Job fails saying which', async () => {
  const dir = writeFiles({ 'tasks.yaml': taskYaml('needs-key', 'p') });
  const result = await runCli(['run', dir, '--agent', scripted('success'), '-o', 'json']);
  assert.equal(result.code, 1);
  const [task] = parseJson(result);
  assert.match(task!.message!, /secret "keys" not found/, result.stderr);
});

test('the README example deps file renders the orchestrator prompt, as documented', async () => {
  const deps = join(tempDir(), 'deps.yaml');
  writeFileSync(deps, 'research-api-design:\n  - GET /projects - list projects\nresearch-data-model:\n  - "schema: Project(id, name) 1-n Task(id, project_id)"\n');
  const result = await runCli(['render', 'examples/05-orchestrator/tasks.yaml', '--task', 'synthesize-design', '--deps', deps]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Proposed endpoints:\n- GET \/projects - list projects\n\nSchema: Project\(id, name\) 1-n Task\(id, project_id\)\n/);
});

test('Ctrl-C also ends what an agent moved to a session of its own (setsid), and the summary says so', async () => {
  const record = tempDir();
  const dir = writeFiles({ 'tasks.yaml': taskYaml('daemonic', 'p') + SECRET });
  const running = startCli(['run', dir, '--agent', scripted('session', record)]);
  const file = await waitFor('the agent to start', () => readdirSync(record).find((f) => f.startsWith('session-')));
  await waitFor('the table to show it running', () => /Running/.test(running.output()));
  const { pid, child } = JSON.parse(readFileSync(join(record, file), 'utf8')) as { pid: number; child: number };
  assert.ok(alive(child), 'the session child runs');
  running.child.kill('SIGINT');
  const result = await running.result;
  assert.equal(result.code, 130, result.stderr);
  await waitFor('the agent and its session child to be gone', () => !alive(pid) && !alive(child), 5000);
  assert.match(result.stdout, new RegExp(`Ended 1 process that agents had left running in sessions of their own:\\n +daemonic: pid ${child} \\(`));
});

test('a Task whose name is not Latin-1 (任务) fails with the invalid-name message, like any invalid name', async () => {
  const dir = writeFiles({ 'tasks.yaml': taskYaml('任务', 'p') + SECRET });
  const result = await runCli(['run', dir, '--agent', scripted('success'), '-o', 'json']);
  assert.equal(result.code, 1, result.stderr);
  const [task] = parseJson(result);
  assert.equal(task!.phase, 'Failed');
  assert.match(task!.message!, /"任务" is not a valid Task name/);
  assert.doesNotMatch(result.stderr, /ByteString|stalled/);
});
