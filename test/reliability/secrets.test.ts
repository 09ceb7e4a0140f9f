/**
 * Secrets never leave the Secret: the seed example runs with a known credential in its Secret
 * (the local mode resolves it into the agent's environment, as a kubelet does), and that value
 * — raw or base64 — appears nowhere in Redis (every key and value scanned), in any CloudEvent
 * the broker carried, in any log line (pino at trace level), in any prompt or Job, in any Task
 * status or Kubernetes Event. The agent did get it (it prints a hash of it, not the value).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CloudEvent } from 'cloudevents';
import { Redis } from 'ioredis';
import pino from 'pino';
import { startLocalEngine, type LocalEngine } from '../../cli/engine.js';
import { loadTriggers } from '../../shared/local/triggers.js';
import { createRedisStore } from '../../shared/store/redis-store.js';
import { seedTasks } from '../e2e/seed.js';
import { EngineHarness } from '../support/engine-harness.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { isolatedRenderer } from '../support/renderer.js';
import { runToEnd } from './drive.js';

const REPO = new URL('../../../', import.meta.url);
const E2E_AGENT = fileURLToPath(new URL('test/fixtures/e2e-agent.mjs', REPO));
const SECRET = `sk-ant-test-${randomBytes(12).toString('hex')}`;
const FORMS = [SECRET, Buffer.from(SECRET).toString('base64')];
const SEED = ['research-api-design', 'research-data-model', 'synthesize-design'];

const leaks = (text: string) => FORMS.filter((form) => text.includes(form));

/** Every key and value in the Redis, as text. */
async function dumpRedis(redis: Redis): Promise<{ keys: number; text: string }> {
  const parts: string[] = [];
  let keys = 0;
  let cursor = '0';
  do {
    const [next, batch] = (await redis.call('SCAN', cursor, 'COUNT', '1000')) as [string, string[]];
    cursor = next;
    for (const key of batch) {
      keys++;
      const type = await redis.type(key);
      parts.push(key);
      if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'string') parts.push(String(await redis.get(key)));
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.call('ZRANGE', key, '0', '-1', 'WITHSCORES')));
      else parts.push(`(${type})`);
    }
  } while (cursor !== '0');
  return { keys, text: parts.join('\n') };
}

let redisServer: RedisServer;
let dir: string;
before(async () => {
  redisServer = await startRedisServer();
  dir = await mkdtemp(join(tmpdir(), 'dendrite-secrets-'));
});
after(async () => {
  await redisServer.stop();
  await rm(dir, { recursive: true, force: true });
});

test('the seed example in the local mode: the credential reaches the agent and nothing else', async () => {
  // The agent prints a hash of its credential (proof it had it), then behaves as the e2e agent.
  const agent = join(dir, 'agent.mjs');
  await writeFile(
    agent,
    `import { createHash } from 'node:crypto';\n` +
      `process.stdout.write('credential sha256: ' + createHash('sha256').update(process.env.ANTHROPIC_API_KEY ?? '').digest('hex') + '\\n');\n` +
      `await import(${JSON.stringify(E2E_AGENT)});\n`,
  );
  const logLines: string[] = [];
  const events: CloudEvent<unknown>[] = [];
  const agentOutput: string[] = [];
  const redis = new Redis(redisServer.url);
  const store = createRedisStore(new Redis(redisServer.url));
  const renderer = isolatedRenderer();
  let engine: LocalEngine | undefined;
  try {
    engine = await startLocalEngine({
      store,
      renderer,
      triggers: loadTriggers(fileURLToPath(new URL('knative/triggers.yaml', REPO))),
      log: pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) }),
      agent: () => [process.execPath, agent],
      baseEnv: { PATH: process.env.PATH ?? '', HOME: dir },
      podRoot: dir,
      sourceDir: dir,
      onEvent: (event) => events.push(event),
      onAgentOutput: (_job, chunk) => agentOutput.push(chunk.toString()),
    });
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'orchestrator-api-key' }, type: 'Opaque', stringData: { ANTHROPIC_API_KEY: SECRET } };
    assert.deepEqual(leaks(JSON.stringify(secret)), [SECRET], 'the scan finds the value where it is');
    engine.apply({ secrets: [secret], tasks: seedTasks() as unknown as Record<string, unknown>[] });
    const deadline = Date.now() + 60_000;
    const done = () => SEED.every((name) => ['Succeeded', 'Failed'].includes(String(engine!.cluster.listTasks().find((t) => t.metadata.name === name)?.status?.phase)));
    while (!(done() && engine.quiet())) {
      if (Date.now() > deadline) throw new Error('the seed example did not finish');
      await new Promise((r) => setTimeout(r, 50));
    }
    const tasks = engine.cluster.listTasks();
    assert.deepEqual(SEED.map((n) => tasks.find((t) => t.metadata.name === n)?.status?.phase), ['Succeeded', 'Succeeded', 'Succeeded']);

    // The agent had the credential…
    const hash = createHash('sha256').update(SECRET).digest('hex');
    assert.equal(agentOutput.join('').split(`credential sha256: ${hash}`).length - 1, 3, 'each of the three agents got it');
    // …and it is nowhere else.
    const dump = await dumpRedis(redis);
    assert.ok(dump.keys >= 5, `Redis holds the index (${dump.keys} keys)`);
    assert.deepEqual(leaks(dump.text), [], 'Redis');
    assert.ok(events.length > 10);
    assert.deepEqual(leaks(JSON.stringify(events)), [], 'CloudEvents');
    assert.ok(logLines.length > 5, `${logLines.length} log lines`);
    assert.deepEqual(leaks(logLines.join('')), [], 'logs');
    const jobs = engine.cluster.listJobs();
    assert.equal(jobs.length, 3);
    assert.deepEqual(leaks(JSON.stringify(jobs)), [], 'Jobs (prompts, env)');
    for (const job of jobs) {
      const env = job.spec!.template.spec!.containers[0]!.env ?? [];
      assert.deepEqual(env.find((e) => e.name === 'ANTHROPIC_API_KEY')?.valueFrom, { secretKeyRef: { name: 'orchestrator-api-key', key: 'ANTHROPIC_API_KEY' } });
    }
    assert.deepEqual(leaks(JSON.stringify(tasks)), [], 'Task statuses');
    assert.deepEqual(leaks(JSON.stringify(engine.cluster.taskEvents)), [], 'Kubernetes Events');
    assert.deepEqual(leaks(agentOutput.join('')), [], 'agent logs');
  } finally {
    await engine?.cluster.stopJobs(1000);
    await engine?.close();
    await Promise.all([store.close(), renderer.close()]);
    await redis.quit();
  }
});

test('on a cluster the functions never read Secrets at all: no API request touches one, and nothing they write holds the value', async () => {
  const logLines: string[] = [];
  const h = await EngineHarness.start({ logStream: { write: (line) => void logLines.push(line) } });
  try {
    h.applyTasks(seedTasks());
    await runToEnd(h);
    assert.deepEqual(SEED.map((n) => h.task(n).status?.phase), ['Succeeded', 'Succeeded', 'Succeeded']);
    assert.deepEqual(h.api.requests.filter((r) => /secret/i.test(r.path)), []);
    assert.deepEqual(leaks(JSON.stringify(h.api.requests)), []);
    const redis = new Redis(h.redisServer.url);
    assert.deepEqual(leaks((await dumpRedis(redis)).text), []);
    await redis.quit();
    assert.deepEqual(leaks(JSON.stringify(h.emitted)), []);
    assert.ok(logLines.length > 5, `${logLines.length} log lines`);
    assert.deepEqual(leaks(logLines.join('')), []);
  } finally {
    await h.close();
  }
});
