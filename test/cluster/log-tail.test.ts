/**
 * readLogTail against a reader with the kubelet's semantics (tailLines first, then the first
 * limitBytes of that), over log shapes that stress the window search.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLogTail, type LogWindowReader } from '../../shared/cluster/log-tail.js';

/** The pod log endpoint's contract, over an in-memory log; counts and checks every read. */
function kubeletReader(log: string, budget: number): { read: LogWindowReader; reads: Array<{ tailLines: number; limitBytes: number }> } {
  const reads: Array<{ tailLines: number; limitBytes: number }> = [];
  const bytes = Buffer.from(log);
  const read: LogWindowReader = async (tailLines, limitBytes) => {
    reads.push({ tailLines, limitBytes });
    assert.equal(limitBytes, budget, 'every read is capped at the budget');
    assert.ok(Number.isInteger(tailLines) && tailLines >= 1 && tailLines <= budget);
    let i = bytes.length - 1;
    if (i >= 0 && bytes[i] === 0x0a) i--;
    let start = 0;
    for (let seen = 0; i >= 0; i--) {
      if (bytes[i] === 0x0a && ++seen === tailLines) {
        start = i + 1;
        break;
      }
    }
    return bytes.subarray(start).subarray(0, limitBytes).toString('utf8');
  };
  return { read, reads };
}

function assertTail(log: string, tail: string, budget: number): void {
  assert.ok(log.endsWith(tail), 'the result is a suffix of the log');
  assert.ok(Buffer.byteLength(tail) < budget, `within the budget (${Buffer.byteLength(tail)} < ${budget})`);
  const before = log.length - tail.length;
  assert.ok(before === 0 || log[before - 1] === '\n', 'starts at a line boundary');
}

const cases: Array<{ name: string; log: string; budget: number; maxReads: number; minBytes?: number }> = [
  { name: 'empty log', log: '', budget: 100, maxReads: 1 },
  { name: 'shorter than the budget', log: 'a\nb\nc\n', budget: 100, maxReads: 1, minBytes: 6 },
  { name: 'no final newline', log: 'a\nb\nlast line without newline', budget: 100, maxReads: 1, minBytes: 29 },
  {
    name: 'many short uniform lines',
    log: Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join('\n') + '\n',
    budget: 8_192,
    maxReads: 3,
    minBytes: 4_096,
  },
  {
    name: 'lines that grow longer toward the end',
    log: Array.from({ length: 3_000 }, (_, i) => 'x'.repeat(Math.floor(i / 10))).join('\n') + '\n',
    budget: 2_000,
    maxReads: 6,
    minBytes: 1,
  },
  {
    name: 'multi-byte text cut mid-character by the byte cap',
    log: Array.from({ length: 2_000 }, (_, i) => `€€€ ${i} ünïcödé`).join('\n') + '\n',
    budget: 1_001,
    maxReads: 4,
    minBytes: 500,
  },
];

for (const { name, log, budget, maxReads, minBytes } of cases) {
  test(`readLogTail: ${name}`, async () => {
    const { read, reads } = kubeletReader(log, budget);
    const tail = await readLogTail(read, budget);
    assertTail(log, tail, budget);
    if (minBytes !== undefined) assert.ok(Buffer.byteLength(tail) >= minBytes, `at least ${minBytes} bytes, got ${Buffer.byteLength(tail)}`);
    assert.ok(reads.length <= maxReads, `at most ${maxReads} reads, took ${reads.length}`);
  });
}

test('readLogTail: a whole log that fits is returned whole', async () => {
  const log = 'one\ntwo\n---AXON_OUTPUTS_START---\nk: v\n---AXON_OUTPUTS_END---\n';
  const { read } = kubeletReader(log, 1_000);
  assert.equal(await readLogTail(read, 1_000), log);
});

test('readLogTail: a last line longer than the budget gives its beginning, in bounded reads', async () => {
  const log = `short\n${'y'.repeat(50_000)}\n`;
  const { read, reads } = kubeletReader(log, 1_000);
  const tail = await readLogTail(read, 1_000);
  assert.equal(tail, 'y'.repeat(1_000));
  assert.equal(reads.at(-1)?.tailLines, 1);
  assert.ok(reads.length <= Math.ceil(Math.log2(1_000)) + 1, `took ${reads.length} reads`);
});

test('readLogTail: the budget must be a positive integer', async () => {
  const { read } = kubeletReader('x', 1);
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    await assert.rejects(readLogTail(read, bad), RangeError);
  }
});
