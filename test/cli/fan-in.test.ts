/**
 * A CI-sized version of the README's wide fan-in through `dendrite run` (bench/local-fan-in.ts
 * runs 10,000): one Task depending on 1,000, each agent `true`. No timing is asserted (that is
 * the benchmark's); what must hold is that the run finishes with every Task succeeded and no
 * event dead-lettered — before the broker was bounded, deliveries failed under such a burst.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLocalFanIn } from '../../bench/local-fan-in.js';

test('one Task depending on 1,000 runs to the end locally: all 1,001 succeed, no event is dead-lettered', async () => {
  const result = await runLocalFanIn({ width: 1000, timeoutMs: 180_000 });
  assert.equal(result.exitCode, 0);
  assert.equal(result.tasks, 1001);
  assert.equal(result.succeeded, 1001);
  assert.equal(result.deadLetters, 0);
});
