// Templates that try to exhaust a function: task-intake, job-status and resync each meet one
// (through the very events that make them render it). The Task fails with the limit's message,
// the function answers the next event, and the same event delivered again changes nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiServerEvent } from '../support/apiserver-source.js';
import { EngineHarness } from '../support/engine-harness.js';
import { HOSTILE_CORPUS, HOSTILE_DATA } from '../template/hostile-corpus.js';
import { runToEnd, task } from './drive.js';

/** A corpus entry by name (the test names what it exercises). */
const bomb = (name: string) => {
  const found = HOSTILE_CORPUS.find((c) => c.name === name);
  if (!found) throw new Error(`no hostile case ${name}`);
  return found;
};

/** The log of an agent printing HOSTILE_DATA's outputs for `h`, the dependency the corpus reads. */
const H_LOG = ['---AXON_OUTPUTS_START---', ...HOSTILE_DATA.Deps.h!.Outputs!, '---AXON_OUTPUTS_END---', ''].join('\n');

describe('a template bomb fails its Task, never the function', () => {
  let h: EngineHarness;
  let counter = 0;
  let ns: string;
  before(async () => {
    h = await EngineHarness.start({ resync: { lostJobGraceMs: 0 } });
  });
  after(() => h.close());
  const fresh = () => {
    h.dropSourceEvents();
    h.dropQueued();
    ns = `bomb${++counter}`;
  };
  const status = (name: string) => h.task(name, ns).status ?? {};
  const bombTask = (name: string, template: string, dialect: 'go' | 'nunjucks') => ({
    ...task(name, { dependsOn: ['h'], prompt: template }),
    ...(dialect === 'nunjucks' ? { metadata: { name, annotations: { 'dendrite.dev/template': 'nunjucks' } } } : {}),
  });

  for (const name of ['go/print doubling then html', 'nunjucks/~ doubling then escape', 'go/nested loops', 'nunjucks/macro recursion']) {
    test(`job-status renders "${name}" on the release: the Task fails with the limit, the next event is served, a redelivery is harmless`, async () => {
      fresh();
      const c = bomb(name);
      h.applyTasks([task('h'), bombTask('boom', c.template, c.dialect), task('fine')], ns);
      await h.drain();
      h.startJob('h', ns);
      await h.drain();
      h.endJob('h', ns, H_LOG, true);
      const completion = h.dropSourceEvents().find((e) => (e.data as { kind?: string }).kind === 'Job');
      assert.ok(completion, 'the Job completion is an event');
      assert.equal((await h.deliverTo('job-status', completion)).status, 202);
      assert.equal(status('boom').phase, 'Failed');
      assert.match(String(status('boom').message), /^prompt template\b/);
      assert.match(String(status('boom').message), c.expect);
      // Served next: another Task's whole run.
      await runToEnd(h, ns);
      assert.equal(status('fine').phase, 'Succeeded');
      // The same completion again: nothing breaks, nothing changes.
      assert.equal((await h.deliverTo('job-status', completion)).status, 202);
      assert.equal(status('boom').phase, 'Failed');
      assert.deepEqual(h.jobNames(ns), ['fine', 'h']);
    });
  }

  test('task-intake renders a bomb whose dependency already succeeded, and fails it; a deep or huge template fails at registration', async () => {
    fresh();
    h.applyTasks([task('h')], ns);
    await h.drain();
    h.startJob('h', ns);
    h.endJob('h', ns, H_LOG, true);
    await h.drain();
    assert.equal(status('h').phase, 'Succeeded');
    const value = bomb('go/printf %q of its own output');
    const deep = bomb('go/nested ifs');
    const huge = bomb('nunjucks/a source just over the limit');
    h.applyTasks([bombTask('late', value.template, 'go'), bombTask('deep', deep.template, 'go'), bombTask('huge', huge.template, 'nunjucks')], ns);
    const adds = h.dropSourceEvents();
    for (const event of adds) assert.ok([200, 202].includes((await h.deliverTo('task-intake', event)).status));
    for (const [name, c] of [['late', value], ['deep', deep], ['huge', huge]] as const) {
      assert.equal(status(name).phase, 'Failed', name);
      assert.match(String(status(name).message), c.expect, name);
    }
    // Served next, and the same adds again change nothing.
    h.applyTasks([task('after-all', { dependsOn: ['h'] })], ns);
    await runToEnd(h, ns);
    assert.equal(status('after-all').phase, 'Succeeded');
    for (const event of adds) assert.ok((await h.deliverTo('task-intake', event)).status < 500);
    assert.deepEqual(h.jobNames(ns), ['after-all', 'h']);
  });

  test('resync renders a bomb when it repairs a lost completion, fails the Task and finishes its run', async () => {
    fresh();
    const c = bomb('nunjucks/join filter doubling');
    h.applyTasks([task('h'), bombTask('boom', c.template, 'nunjucks')], ns);
    await h.drain();
    h.startJob('h', ns);
    await h.drain();
    h.endJob('h', ns, H_LOG, true);
    assert.ok(h.dropSourceEvents().length > 0, 'the completion event is lost');
    const report = await h.resync({ namespaces: [ns] });
    assert.ok(report.repairs.some((r) => r.name === 'h'), JSON.stringify(report.repairs));
    await h.drain();
    assert.equal(status('h').phase, 'Succeeded');
    assert.equal(status('boom').phase, 'Failed');
    assert.match(String(status('boom').message), c.expect);
    const again = await h.resync({ namespaces: [ns] });
    assert.equal(again.aborted, undefined);
    assert.equal(status('boom').phase, 'Failed');
    // The functions still take events: a late Task update is answered.
    assert.ok((await h.deliverTo('task-intake', apiServerEvent('dev.knative.apiserver.resource.update', h.task('boom', ns)))).status < 500);
  });
});
