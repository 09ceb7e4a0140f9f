/**
 * The local mode follows the cluster's time-to-live rules: a finished Task whose
 * ttlSecondsAfterFinished ends during the run is deleted (its row leaves the table with a note),
 * a dependent registered before still renders what it made, and the summary reports it as it
 * was last, marked deleted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJson, runCli, scripted, SECRET, taskYaml, writeFiles } from './cli.js';

test('TTL 0 and 1 s during a run: deleted with a note, their outputs still reach the dependent; no TTL: kept', async () => {
  const dir = writeFiles({
    'tasks.yaml':
      taskYaml('quick', 'agent: outputs\nquick work', { ttlSecondsAfterFinished: 0 }) +
      taskYaml('brief', 'agent: outputs\nbrief work', { ttlSecondsAfterFinished: 1 }) +
      taskYaml('long', 'agent: later\npause: 2500\nlong work') +
      taskYaml('report', 'agent: outputs\n{{ index .Deps.quick.Outputs 0 }} / {{ index .Deps.brief.Outputs 0 }}', { dependsOn: ['quick', 'brief', 'long'] }) +
      SECRET,
  });
  const result = await runCli(['run', dir, '--agent', scripted('scripted'), '--output', 'json']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /^quick deleted: Succeeded 0 s ago \(spec\.ttlSecondsAfterFinished\)$/m);
  assert.match(result.stderr, /^brief deleted: Succeeded 1 s ago \(spec\.ttlSecondsAfterFinished\)$/m);
  assert.match(result.stderr, /^quick +Succeeded +[\d.]+s.*deleted \(ttlSecondsAfterFinished\)$/m);
  const tasks = parseJson(result);
  assert.deepEqual(
    tasks.map((t) => [t.name, t.phase, (t as { deleted?: boolean }).deleted ?? false]),
    [
      ['quick', 'Succeeded', true],
      ['brief', 'Succeeded', true],
      ['long', 'Succeeded', false],
      ['report', 'Succeeded', false],
    ],
  );
  assert.equal(tasks[3]!.prompt, 'agent: outputs\necho: quick work / echo: brief work');
});
