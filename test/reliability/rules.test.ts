/** The small rules the guarantees rest on, each on its own. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withinLimits } from '../../shared/flow/complete.js';
import { waitingMessage } from '../../shared/flow/intake.js';
import { blockCutOff, MAX_RECORDED_OUTPUT_BYTES, oversizeMessage } from '../../shared/flow/outputs.js';
import { mayAdvance } from '../../shared/flow/status.js';
import { DEFAULT_RESYNC_OPTIONS, readResyncOptions } from '../../shared/resync/config.js';
import type { Phase } from '../../shared/task/model.js';

test('phases only advance, and a terminal phase never changes', () => {
  const order: Array<Phase | undefined> = [undefined, 'Waiting', 'Pending', 'Running'];
  for (const [i, from] of order.entries()) {
    for (const [j, to] of order.slice(1).entries()) assert.equal(mayAdvance(from, to!), j + 1 >= i, `${from} → ${to}`);
    assert.ok(mayAdvance(from, 'Succeeded') && mayAdvance(from, 'Failed'));
  }
  for (const from of ['Succeeded', 'Failed'] as const) {
    for (const to of ['Waiting', 'Pending', 'Running', 'Succeeded', 'Failed'] as const) assert.equal(mayAdvance(from, to), false);
  }
});

test('outputs over the cap fail the Task with a message; within it they pass unchanged', () => {
  const small = { succeeded: true, outputs: ['a: 1'], results: { a: '1' }, response: 'done', usage: null, completionTime: 't' };
  assert.equal(withinLimits(small), small);
  const line = 'x'.repeat(1024);
  const big = { succeeded: true, outputs: Array.from({ length: 600 }, () => line), results: {}, response: '', usage: null, completionTime: 't' };
  const limited = withinLimits(big);
  assert.deepEqual([limited.succeeded, limited.outputs, limited.results], [false, null, null]);
  assert.match(String(limited.message), new RegExp(`^outputs too large: .* more than the ${MAX_RECORDED_OUTPUT_BYTES} bytes`));
  const failedBig = withinLimits({ ...big, succeeded: false, message: 'Job failed: OOMKilled' });
  assert.match(String(failedBig.message), /^Job failed: OOMKilled; outputs too large/);
  assert.equal(oversizeMessage({ outputs: ['x'], results: null }), undefined);
  // The response counts with the rest: small outputs and a large answer together can be too much.
  const wordy = withinLimits({ ...small, outputs: Array.from({ length: 450 }, () => line), response: 'y'.repeat(64 * 1024) });
  assert.deepEqual([wordy.succeeded, wordy.response], [false, '']);
  assert.equal(withinLimits({ ...small, outputs: Array.from({ length: 400 }, () => line) }).succeeded, true);
});

test('a log tail holding the end of a block but not its start was cut', () => {
  assert.equal(blockCutOff('xxxx\nyyyy\n---AXON_OUTPUTS_END---\n'), true);
  assert.equal(blockCutOff('---AXON_OUTPUTS_START---\na\n---AXON_OUTPUTS_END---\n'), false);
  assert.equal(blockCutOff('no markers at all\n'), false);
  assert.equal(blockCutOff('  ---KELOS_OUTPUTS_END---  \n'), true);
});

test('a Waiting message names at most 20 dependencies', () => {
  assert.equal(waitingMessage(['a', 'b']), 'Waiting for dependencies: a, b');
  const many = Array.from({ length: 25 }, (_, i) => `d${i}`);
  assert.equal(waitingMessage(many), `Waiting for 25 dependencies: ${many.slice(0, 20).join(', ')} and 5 more`);
});

test('resync options from the environment, with the pod\'s namespace as the default scope', () => {
  assert.deepEqual(readResyncOptions({}, 'dendrite'), { ...DEFAULT_RESYNC_OPTIONS, namespaces: ['dendrite'] });
  assert.deepEqual(readResyncOptions({}).namespaces, undefined);
  const options = readResyncOptions({
    DENDRITE_RESYNC_NAMESPACES: 'a, b',
    DENDRITE_RESYNC_PAGE_SIZE: '50',
    DENDRITE_RESYNC_MAX_REPAIRS: '10',
    DENDRITE_RESYNC_LOST_JOB_GRACE_SECONDS: '30',
  }, 'ignored');
  assert.deepEqual([options.namespaces, options.pageSize, options.maxRepairs, options.lostJobGraceMs], [['a', 'b'], 50, 10, 30_000]);
  assert.throws(() => readResyncOptions({ DENDRITE_RESYNC_MAX_REPAIRS: '0' }), /DENDRITE_RESYNC_MAX_REPAIRS must be an integer ≥ 1/);
});
