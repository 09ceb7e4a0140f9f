// Real agents' answers flow downstream: job-status reads a pod log in each agent's own format
// into status.response and status.usage, records the answer in the index, and the dependent's
// prompt renders it as .Deps.<name>.Response; an agent reporting a failure with exit code 0
// fails its Task with its own reason, and the Task's dependents with it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TASK_SUCCEEDED, type TaskSucceededData } from '../../shared/events/types.js';
import { AGENT_TYPES } from '../../shared/task/model.js';
import { EngineHarness } from '../support/engine-harness.js';
import { runToEnd, task } from '../reliability/drive.js';

const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/agent-logs/${name}.jsonl`, import.meta.url), 'utf8');
type JobArgs = { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };

describe('agents\' answers through job-status', () => {
  let h: EngineHarness;
  let counter = 0;
  let ns: string;
  before(async () => {
    h = await EngineHarness.start();
  });
  after(() => h.close());
  const fresh = () => {
    h.dropSourceEvents();
    h.dropQueued();
    ns = `answers${++counter}`;
  };

  for (const type of AGENT_TYPES) {
    test(`${type}: the answer and usage reach the status, the event and the dependent's prompt`, async () => {
      fresh();
      h.applyTasks(
        [
          task('research', { type }),
          task('synthesis', { dependsOn: ['research'], prompt: 'Answer was: {{ .Deps.research.Response }}\nStyle: {{ .Deps.research.Results.style }}' }),
        ],
        ns,
      );
      await h.drain();
      h.startJob('research', ns);
      h.endJob('research', ns, fixture(`${type}-success`), true);
      await h.drain();
      const status = h.task('research', ns).status as Record<string, any>;
      assert.equal(status.phase, 'Succeeded');
      assert.match(status.response, /^I checked the layout and propose these endpoints\./);
      assert.deepEqual(status.results, { style: 'REST' });
      assert.ok(status.usage.inputTokens > 0 && status.usage.outputTokens > 0, JSON.stringify(status.usage));
      const succeeded = h.emitted.find((e) => e.type === TASK_SUCCEEDED && (e.data as TaskSucceededData).namespace === ns)!;
      assert.equal((succeeded.data as TaskSucceededData).response, status.response);
      assert.deepEqual((succeeded.data as TaskSucceededData).usage, status.usage);
      const [prompt] = (h.api.get('jobs', ns, 'synthesis') as unknown as JobArgs).spec.template.spec.containers[0]!.args;
      assert.ok(prompt!.startsWith(`Answer was: ${status.response}`), prompt);
      assert.match(prompt!, /Style: REST$/);
      const metrics = await h.metrics['job-status']!.registry.metrics();
      assert.match(metrics, new RegExp(`dendrite_task_tokens_total\\{namespace="${ns}",type="${type}",model="",direction="output"\\} ${status.usage.outputTokens}`));
    });
  }

  test('claude-code reporting error_max_turns with exit code 0 fails the Task with its reason, and its dependents', async () => {
    fresh();
    h.applyTasks([task('worker'), task('after', { dependsOn: ['worker'] })], ns);
    await h.drain();
    h.startJob('worker', ns);
    h.endJob('worker', ns, fixture('claude-code-failure'), true);
    await runToEnd(h, ns);
    const status = h.task('worker', ns).status as Record<string, any>;
    assert.deepEqual([status.phase, status.message], ['Failed', 'agent reported error_max_turns after 3 turns']);
    assert.deepEqual(status.usage, { inputTokens: 2710, outputTokens: 95, costUSD: 0.0187 });
    assert.deepEqual([h.task('after', ns).status?.phase, h.task('after', ns).status?.message], ['Failed', 'Dependency "worker" failed']);
    assert.deepEqual(h.jobNames(ns), ['worker']);
    const metrics = await h.metrics['job-status']!.registry.metrics();
    assert.match(metrics, new RegExp(`dendrite_task_cost_usd_total\\{namespace="${ns}",type="claude-code",model=""\\} 0.0187`));
  });

  test('after Redis loses the index, resync rebuilds the answer from the status and the dependent still gets it', async () => {
    fresh();
    h.applyTasks([task('research', { type: 'codex' }), task('later', { dependsOn: ['research'], prompt: '{{ index .Deps "research" "Response" }}' })], ns);
    await h.drain();
    h.startJob('research', ns);
    h.endJob('research', ns, fixture('codex-success'), true);
    // The completion is lost, and so is the index: only the cluster remembers.
    h.dropSourceEvents();
    await h.resync({ namespaces: [ns] });
    await h.drain();
    const answer = (h.task('research', ns).status as Record<string, any>).response as string;
    assert.match(answer, /^I checked the layout/);
    const admin = new (await import('ioredis')).Redis(h.redisServer.url);
    await admin.flushall();
    await admin.quit();
    // A dependent created now is released from the rebuilt index.
    h.applyTasks([task('latest', { dependsOn: ['research'], prompt: 'again: {{ .Deps.research.Response }}' })], ns);
    await h.resync({ namespaces: [ns] });
    await runToEnd(h, ns);
    const [prompt] = (h.api.get('jobs', ns, 'latest') as unknown as JobArgs).spec.template.spec.containers[0]!.args;
    assert.equal(prompt, `again: ${answer}`);
  });
});
