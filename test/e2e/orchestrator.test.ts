/**
 * The seed's orchestrator example through all three functions, real Redis, the real
 * Kubernetes client against the fake API server, and agent scripts run as the Jobs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TASK_READY } from '../../shared/events/types.js';
import { EngineHarness, seededRandom, type DrainOptions } from '../support/engine-harness.js';
import { expectedSynthesisPrompt, seedTasks } from './seed.js';

const RESEARCH = ['research-api-design', 'research-data-model'];
const ENDPOINTS = ['GET /projects - list projects', 'POST /projects/{id}/tasks - create a task'];
const SCHEMA = 'Project(id, name) 1-n Task(id, project_id, title)';

function jobArgs(h: EngineHarness, name: string): string[] {
  const job = h.api.get('jobs', 'default', name) as unknown as { spec: { template: { spec: { containers: Array<{ args?: string[] }> } } } };
  return job.spec.template.spec.containers[0]!.args ?? [];
}

async function runSeed(h: EngineHarness, drain: DrainOptions) {
  const tasks = seedTasks();
  const synthesis = tasks.find((t) => t.metadata.name === 'synthesize-design')!;
  h.applyTasks(tasks);
  await h.drain(drain);

  // Stage 1: both research Tasks launched at once; the orchestrator waits.
  assert.deepEqual(h.jobNames(), RESEARCH);
  for (const name of RESEARCH) assert.equal(h.task(name).status?.phase, 'Pending');
  assert.equal(h.task('synthesize-design').status?.phase, 'Waiting');
  assert.match(String(h.task('synthesize-design').status?.message), /research-api-design, research-data-model/);

  for (const name of RESEARCH) h.startJob(name);
  await h.drain(drain);
  for (const name of RESEARCH) assert.equal(h.task(name).status?.phase, 'Running');

  // One dependency done is not enough.
  h.finishJob('research-api-design');
  await h.drain(drain);
  assert.equal(h.task('research-api-design').status?.phase, 'Succeeded');
  assert.deepEqual(h.task('research-api-design').status?.outputs, ENDPOINTS);
  assert.equal(h.task('synthesize-design').status?.phase, 'Waiting');
  assert.deepEqual(h.jobNames(), RESEARCH);

  // The last dependency releases it, with both outputs rendered into its prompt.
  h.finishJob('research-data-model');
  await h.drain(drain);
  assert.deepEqual(h.task('research-data-model').status?.results, { schema: SCHEMA });
  assert.deepEqual(h.jobNames(), [...RESEARCH, 'synthesize-design'].sort());
  assert.equal(h.task('synthesize-design').status?.phase, 'Pending');
  const prompt = expectedSynthesisPrompt(synthesis.spec.prompt, ENDPOINTS, SCHEMA);
  assert.deepEqual(jobArgs(h, 'synthesize-design'), [prompt]);

  h.startJob('synthesize-design');
  const { log } = h.finishJob('synthesize-design');
  assert.match(log, /design: 2 endpoints combined/);
  await h.drain(drain);
  return prompt;
}

function finalState(h: EngineHarness) {
  return ['research-api-design', 'research-data-model', 'synthesize-design'].map((name) => {
    const status = h.task(name).status ?? {};
    return { name, phase: status.phase, outputs: status.outputs, results: status.results };
  });
}

describe('seed orchestrator example, end to end', () => {
  let h: EngineHarness;
  before(async () => {
    h = await EngineHarness.start();
  });
  after(() => h.close());

  test('research Tasks run in parallel, synthesize-design waits, then launches with their outputs', async () => {
    await runSeed(h, {});
    assert.deepEqual(finalState(h), [
      { name: 'research-api-design', phase: 'Succeeded', outputs: ENDPOINTS, results: {} },
      { name: 'research-data-model', phase: 'Succeeded', outputs: [`schema: ${SCHEMA}`], results: { schema: SCHEMA } },
      { name: 'synthesize-design', phase: 'Succeeded', outputs: ['design: 2 endpoints combined'], results: { design: '2 endpoints combined' } },
    ]);
    // Every delivery was accepted; none was refused or failed.
    assert.deepEqual(h.deliveries.filter((d) => d.status >= 300).map((d) => `${d.function} ${d.status} ${d.error}`), []);
    // Exactly one ready event per Task reached the launcher, each with its deterministic id.
    const launched = h.deliveries.filter((d) => d.function === 'launcher').map((d) => d.event);
    assert.ok(launched.every((e) => e.type === TASK_READY));
    assert.deepEqual(launched.map((e) => (e.data as { name: string }).name).sort(), [...RESEARCH, 'synthesize-design'].sort());
  });
});

describe('seed orchestrator example with every event delivered twice, shuffled and concurrent', () => {
  for (const seed of [1, 2, 3]) {
    test(`seed ${seed}: exactly one Job per Task and the same final statuses`, async () => {
      const h = await EngineHarness.start();
      try {
        await runSeed(h, { duplicate: true, random: seededRandom(seed) });
        assert.deepEqual(
          finalState(h).map((s) => s.phase),
          ['Succeeded', 'Succeeded', 'Succeeded'],
        );
        assert.deepEqual(h.jobNames(), [...RESEARCH, 'synthesize-design'].sort());
        // No Job was created twice: the API server saw exactly one successful create per Task.
        const creates = h.api.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/jobs'));
        const jobUids = new Set(h.api.list('jobs').map((j) => j.metadata.uid));
        assert.equal(jobUids.size, 3);
        assert.ok(creates.length >= 3);
        assert.deepEqual(h.deliveries.filter((d) => d.status >= 300 && d.status !== 409).map((d) => `${d.function} ${d.status} ${d.error}`), []);
      } finally {
        await h.close();
      }
    });
  }
});
