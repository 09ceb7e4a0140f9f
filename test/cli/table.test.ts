import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Task } from '../../shared/task/model.js';
import { formatAge, formatDuration } from '../../cli/view/format.js';
import { TaskTable } from '../../cli/view/table.js';

const created = new Date('2026-01-01T00:00:00Z');
const task = (name: string, phase?: string): Task =>
  ({
    apiVersion: 'axon.io/v1alpha1',
    kind: 'Task',
    metadata: { name, namespace: 'default', uid: name, creationTimestamp: created.toISOString() },
    spec: { type: 'codex', prompt: 'p', credentials: { type: 'api-key', secretRef: { name: 's' } } },
    ...(phase ? { status: { phase } } : {}),
  }) as Task;

function sink() {
  const out = { text: '', write: (t: string) => (out.text += t) };
  return out;
}

test('without a terminal, each phase change prints one aligned row under one header', () => {
  const out = sink();
  const table = new TaskTable({ out, live: false, color: false, now: () => new Date(created.getTime() + 3000), showNamespace: false });
  table.start([]);
  table.update(task('long-task-name'));
  table.update(task('long-task-name', 'Waiting'));
  table.update(task('long-task-name', 'Waiting'));
  table.update(task('b', 'Running'));
  table.log('a log line');
  table.update(task('b', 'Succeeded'));
  table.stop();
  assert.equal(
    out.text,
    [
      'NAME             TYPE    PHASE       AGE',
      'long-task-name   codex   Waiting     3s',
      'b                codex   Running     3s',
      'a log line',
      'b                codex   Succeeded   3s',
      '',
    ].join('\n'),
  );
});

test('on a terminal, the table is redrawn in place and log lines scroll above it', () => {
  const out = sink();
  const table = new TaskTable({ out, live: true, color: false, now: () => created, showNamespace: false, redrawMs: 0 });
  table.start([task('a', 'Waiting')]);
  out.text = '';
  table.update(task('a', 'Running'));
  assert.equal(out.text, '\x1b[2A\r\x1b[JNAME   TYPE    PHASE       AGE\na      codex   Running     0s\n');
  out.text = '';
  table.log('hello');
  assert.equal(out.text, '\x1b[2A\r\x1b[Jhello\nNAME   TYPE    PHASE       AGE\na      codex   Running     0s\n');
  table.stop();
  assert.ok(out.text.endsWith('\x1b[?25h'), 'the cursor is shown again');
});

test('ages read like kubectl, durations keep a useful precision', () => {
  assert.deepEqual([0, 59_000, 119_000, 125_000, 600_000, 3 * 3600_000 + 60_000, 50 * 3600_000].map(formatAge), ['0s', '59s', '119s', '2m5s', '10m', '3h1m', '2d']);
  assert.deepEqual([420, 12_345, 125_000].map(formatDuration), ['0.4s', '12.3s', '2m05s']);
});

test('a live table taller than the terminal shows the unfinished Tasks first and counts the rest', () => {
  const out = Object.assign(sink(), { rows: 6 });
  const table = new TaskTable({ out, live: true, color: false, now: () => created, showNamespace: false, redrawMs: 0 });
  table.start([]);
  for (let i = 0; i < 500; i++) table.update(task(`t${i}`, i < 490 ? 'Succeeded' : 'Running'));
  out.text = '';
  table.update(task('t499', 'Pending'));
  const lines = out.text.split('\n').filter(Boolean);
  assert.equal(lines.length, 5, out.text);
  assert.match(lines[1]!, /^t490 +codex +Running/);
  assert.match(lines[4]!, /^… and 497 more: 490 Succeeded, 6 Running, 1 Pending$/);
  table.stop();
});

test('changes faster than redrawMs are drawn once, after the wait', async () => {
  const out = sink();
  const table = new TaskTable({ out, live: true, color: false, now: () => created, showNamespace: false, redrawMs: 30 });
  table.start([task('a', 'Pending')]);
  out.text = '';
  for (const phase of ['Running', 'Succeeded', 'Succeeded']) table.update(task('a', phase));
  assert.equal(out.text, '', 'coalesced');
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(out.text, '\x1b[2A\r\x1b[JNAME   TYPE    PHASE       AGE\na      codex   Succeeded   0s\n');
  table.stop();
});

test('printing a row costs the same whatever the number of Tasks (no pass over every row)', () => {
  const out = sink();
  let clock = 0;
  const table = new TaskTable({ out, live: false, color: false, now: () => (clock++, created), showNamespace: false });
  table.start([]);
  for (let i = 0; i < 2000; i++) table.update(task(`t${i}`, 'Running'));
  const before = clock;
  table.update(task('t0', 'Succeeded'));
  assert.ok(clock - before <= 2, `now() read ${clock - before} times for one row`);
});
