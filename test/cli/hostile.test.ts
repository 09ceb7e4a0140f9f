// Hostile templates through the CLI, as a user would run it: `dendrite render` ends with the
// limit's message at file:line:col (and no process grows past a bound), `dendrite validate`
// reports parse-time limits, and `dendrite run` survives a Task that breaks one — it fails,
// the others finish, the summary prints, and nothing is left running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOSTILE_CORPUS, HOSTILE_DATA } from '../template/hostile-corpus.js';
import { alive, cliEnv, parseJson, runCli, scripted, SECRET, startCli, taskYaml, writeFiles } from './cli.js';

const bomb = (name: string) => HOSTILE_CORPUS.find((c) => c.name === name)!;

/** A file with one Task depending on `h`, whose prompt is the bomb. */
function bombFile(dir: string, name: string, task = 'boom'): string {
  const c = bomb(name);
  const annotations = c.dialect === 'nunjucks' ? { annotations: { 'dendrite.dev/template': 'nunjucks' } } : {};
  const doc = { apiVersion: 'axon.io/v1alpha1', kind: 'Task', metadata: { name: task, ...annotations }, spec: { type: 'claude-code', prompt: c.template, dependsOn: ['h'], credentials: { type: 'api-key', secretRef: { name: 'keys' } } } };
  const file = join(dir, `${name.replace(/[^a-z]+/g, '-')}.yaml`);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

/** Peak resident memory (VmHWM) of a process and its children, polled while it runs, in MiB. */
function watchPeak(pid: number): { stop(): number } {
  let peak = 0;
  const sample = () => {
    for (const p of [pid, ...childrenOf(pid)]) {
      try {
        const kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
        peak = Math.max(peak, kb / 1024);
      } catch {
        // gone
      }
    }
  };
  const timer = setInterval(sample, 10);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const CASES = [
  'go/print doubling then html',
  'go/printf %q over a large string',
  'go/nested loops',
  'go/nested ifs',
  'go/a 3.6 MB source of actions',
  'nunjucks/~ doubling then escape',
  'nunjucks/join with a large separator',
  'nunjucks/macro recursion',
  'nunjucks/set capture doubling',
];

test('dendrite render ends every kind of bomb with its limit, quickly, in bounded memory', async (t) => {
  const dir = writeFiles({ 'deps.yaml': JSON.stringify({ h: HOSTILE_DATA.Deps.h!.Outputs }) });
  for (const name of CASES) {
    const c = bomb(name);
    const file = bombFile(dir, name);
    const started = Date.now();
    const running = startCli(['render', file, '--deps', join(dir, 'deps.yaml')]);
    const peak = watchPeak(running.child.pid!);
    const result = await running.result;
    const mib = peak.stop();
    const ms = Date.now() - started;
    t.diagnostic(`${name}: ${ms} ms, peak ${Math.round(mib)} MiB`);
    assert.equal(result.code, 1, `${name}: ${result.stderr}`);
    assert.match(result.stderr, c.expect, name);
    assert.match(result.stderr, /^dendrite render: .*\.yaml:\d+:\d+: boom: prompt template: /m, name);
    assert.ok(ms < 15_000, `${name}: took ${ms} ms`);
    assert.ok(mib < 512, `${name}: peak ${Math.round(mib)} MiB`);
  }
});

test('dendrite validate reports the parse-time limits at the prompt, like task-intake', async () => {
  const dir = writeFiles({ 'secret.yaml': SECRET });
  bombFile(dir, 'go/nested ifs', 'deep');
  bombFile(dir, 'nunjucks/a source just over the limit', 'huge');
  writeFileSync(join(dir, 'h.yaml'), taskYaml('h', 'p'));
  const result = await runCli(['validate', dir]);
  assert.equal(result.code, 1, result.stdout);
  assert.match(result.stdout, /deep: spec\.prompt: .*depth limit of 100 levels/);
  assert.match(result.stdout, /huge: spec\.prompt: .*source limit of 65536 bytes/);
});

test('dendrite run survives a Task that breaks a limit: it fails, the rest finish, the summary prints, nothing is left running', async () => {
  const c = bomb('go/print doubling then html');
  const dir = writeFiles({
    'tasks.yaml':
      taskYaml('h', 'agent: outputs') +
      taskYaml('boom', c.template, { dependsOn: ['h'] }) +
      taskYaml('after', 'got {{ index .Deps.h.Results "words" }}', { dependsOn: ['h'] }) +
      SECRET,
  });
  const running = startCli(['run', dir, '--agent', scripted('scripted'), '-o', 'json']);
  const pid = running.child.pid!;
  const seen = new Set<number>();
  const poll = setInterval(() => childrenOf(pid).forEach((p) => seen.add(p)), 10);
  const result = await running.result;
  clearInterval(poll);
  assert.equal(result.code, 1, result.stderr);
  const byName = Object.fromEntries(parseJson(result).map((task) => [task.name, task]));
  assert.equal(byName.h!.phase, 'Succeeded');
  assert.equal(byName.after!.phase, 'Succeeded');
  assert.equal(byName.boom!.phase, 'Failed');
  assert.match(String(byName.boom!.message), c.expect);
  assert.match(result.stderr, /3 Tasks in .*: 2 succeeded, 1 failed/);
  assert.ok(seen.size > 0, 'the run had children (agents, the render process)');
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual([...seen].filter(alive), [], 'no child outlives the run');
});

test('the CLI reads the render limits from the environment, as the functions do', async () => {
  const dir = writeFiles({
    't.yaml': taskYaml('t', 'one: {{ index .Deps.h.Outputs 0 }} and more text after it', { dependsOn: ['h'] }),
    'deps.yaml': 'h: [first]\n',
  });
  const args = ['render', join(dir, 't.yaml'), '--deps', join(dir, 'deps.yaml')];
  assert.equal((await runCli(args)).stdout, 'one: first and more text after it');
  const small = await runCli(args, cliEnv({ DENDRITE_RENDER_MAX_BYTES: '10' }));
  assert.equal(small.code, 1);
  assert.match(small.stderr, /output limit of 10 bytes/);
  const shallow = await runCli(['validate', dir], cliEnv({ DENDRITE_RENDER_MAX_SOURCE_BYTES: '20' }));
  assert.match(shallow.stdout, /source limit of 20 bytes/);
  const bad = await runCli(args, cliEnv({ DENDRITE_RENDER_MAX_DEPTH: '1000' }));
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /DENDRITE_RENDER_MAX_DEPTH must be at most 250/);
});
