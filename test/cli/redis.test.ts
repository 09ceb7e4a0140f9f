import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startRedisServer } from '../support/redis-server.js';
import { cliEnv, EXAMPLE, parseJson, runCli, scripted } from './cli.js';

test('with --redis (or REDIS_URL) the run coordinates through Redis, runs stay apart, and leave no keys', async () => {
  const server = await startRedisServer();
  const redis = new Redis(server.url);
  try {
    const first = await runCli(['run', EXAMPLE, '--agent', scripted('outputs'), '-o', 'json', '--redis', server.url]);
    assert.equal(first.code, 0, first.stderr);
    // A second run of the same Task names, through REDIS_URL, is not satisfied by the first's results.
    const second = await runCli(['run', EXAMPLE, '--agent', scripted('outputs'), '-o', 'json'], cliEnv({ REDIS_URL: server.url }));
    assert.equal(second.code, 0, second.stderr);
    for (const result of [first, second]) {
      const tasks = parseJson(result);
      assert.deepEqual(tasks.map((t) => t.phase), ['Succeeded', 'Succeeded', 'Succeeded']);
      assert.match(tasks[2]!.prompt!, /- echo: You are researching the HTTP API/);
    }
    assert.equal(await redis.dbsize(), 0, 'each run removes its keys');
  } finally {
    redis.disconnect();
    await server.stop();
  }
});

test('an unreachable Redis is a clear error before anything runs (exit 2)', async () => {
  const result = await runCli(['run', EXAMPLE, '--agent', scripted('outputs'), '--redis', 'redis://127.0.0.1:9']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /cannot connect to Redis at redis:\/\/127\.0\.0\.1:9/);
});
