/**
 * The bad-input catalogue: each kind of bad input gets a clear answer — a 4xx for an event
 * that cannot be used, `Failed` with a message for a Task that cannot run — the process keeps
 * serving, memory stays bounded, and nothing already recorded is lost. Each case is a row of
 * the README's table.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createServer } from 'node:http';
import { CloudEvent, HTTP } from 'cloudevents';
import type { AddressInfo } from 'node:net';
import type { HttpApp } from '../../shared/http/routes.js';
import request from 'supertest';
import { APISERVER_ADD, JOB_COMPLETED } from '../../shared/events/types.js';
import { MAX_RECORDED_OUTPUT_BYTES } from '../../shared/flow/outputs.js';
import { apiServerEvent } from '../support/apiserver-source.js';
import { EngineHarness } from '../support/engine-harness.js';
import { runToEnd, task } from './drive.js';

/**
 * The app on a real socket, posted to with fetch: supertest buffers a large body and takes
 * seconds per 10 MB; a real client streams it, as a broker would.
 */
async function listening(app: HttpApp) {
  const server = createServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    post: async (headers: Record<string, string>, body: string | Buffer) => {
      const res = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
      return { status: res.status, body: (await res.json().catch(() => ({}))) as { error?: string } };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const VALID_HEADERS = {
  'content-type': 'application/json',
  'ce-specversion': '1.0',
  'ce-id': 'id-1',
  'ce-source': 'https://apiserver.test',
  'ce-type': APISERVER_ADD,
};

describe('bad input: events', () => {
  let h: EngineHarness;
  before(async () => {
    h = await EngineHarness.start();
  });
  after(() => h.close());
  const post = (headers: Record<string, string>, body: string | Buffer) => request(h.app('task-intake')).post('/').set(headers).send(body);
  const okTask = () => JSON.stringify({ ...task('ok'), metadata: { name: 'ok', namespace: 'default', uid: 'u' } });

  test('not a CloudEvent (plain JSON, no ce- attributes) → 400 naming what is missing', async () => {
    const res = await post({ 'content-type': 'application/json' }, okTask());
    assert.equal(res.status, 400);
    assert.match(res.body.error, /not a CloudEvent: missing required attribute\(s\) ce-specversion, ce-id, ce-source, ce-type/);
  });

  for (const attribute of ['id', 'source', 'type', 'specversion']) {
    test(`missing ${attribute} → 400 naming it (binary and structured mode)`, async () => {
      const headers: Record<string, string> = { ...VALID_HEADERS };
      delete headers[`ce-${attribute}`];
      const binary = await post(headers, okTask());
      assert.equal(binary.status, 400);
      assert.match(binary.body.error, new RegExp(`missing required attribute\\(s\\) ce-${attribute} \\(binary mode\\)`));
      const envelope: Record<string, unknown> = { specversion: '1.0', id: 'x', source: '/s', type: APISERVER_ADD, data: {} };
      delete envelope[attribute];
      const structured = await post({ 'content-type': 'application/cloudevents+json' }, JSON.stringify(envelope));
      assert.equal(structured.status, 400);
      assert.match(structured.body.error, new RegExp(`missing required attribute\\(s\\) ${attribute} \\(structured mode\\)`));
    });
  }

  test('specversion other than 1.0 → 400', async () => {
    const res = await post({ ...VALID_HEADERS, 'ce-specversion': '0.3' }, okTask());
    assert.equal(res.status, 400);
    assert.match(res.body.error, /unsupported CloudEvents specversion "0\.3": only 1\.0 is accepted/);
  });

  test('invalid JSON → 400 (structured envelope and binary data)', async () => {
    const structured = await post({ 'content-type': 'application/cloudevents+json' }, '{"specversion": "1.0", ');
    assert.equal(structured.status, 400);
    assert.match(structured.body.error, /structured CloudEvent body is not valid JSON/);
    const binary = await post(VALID_HEADERS, '{"kind": "Task", ');
    assert.equal(binary.status, 400);
    assert.match(binary.body.error, /malformed CloudEvent|must carry a Task object/);
  });

  test('wrong content type (text/plain data) → 415; batched CloudEvents → 415', async () => {
    const res = await post({ ...VALID_HEADERS, 'content-type': 'text/plain' }, 'hello');
    assert.equal(res.status, 415);
    assert.match(res.body.error, /unsupported content type "text\/plain": event data must be application\/json/);
    const batch = await post({ 'content-type': 'application/cloudevents-batch+json' }, '[]');
    assert.equal(batch.status, 415);
  });

  test('attributes CloudEvents 1.0 forbids → 400 naming them, in both modes; a missing time is not invented', async () => {
    const envelope = (extra: Record<string, unknown>) => JSON.stringify({ specversion: '1.0', id: 'x', source: '/s', type: APISERVER_ADD, data: JSON.parse(okTask()), ...extra });
    const structured = { 'content-type': 'application/cloudevents+json' };
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [structured, envelope({ time: 'lunchtime' }), /time "lunchtime" is not an RFC 3339 timestamp/],
      [{ ...VALID_HEADERS, 'ce-time': '2018-04-05T18:31:00+25:00' }, okTask(), /ce-time "2018-04-05T18:31:00\+25:00" is not an RFC 3339 timestamp/],
      [structured, envelope({ subject: '' }), /subject is empty/],
      [{ ...VALID_HEADERS, 'ce-subject': '' }, okTask(), /ce-subject is empty/],
      [structured, envelope({ datacontenttype: 'xyz' }), /datacontenttype "xyz" is not an RFC 2046 media type/],
      [structured, envelope({ data_base64: 'eyJ9' }), /data and data_base64 are both present/],
    ];
    for (const [headers, body, message] of cases) {
      const res = await post(headers, body);
      assert.equal(res.status, 400, body);
      assert.match(res.body.error, message);
    }
  });

  test('content types with parameters, any case (charset=UTF-8) → the Task is taken, in both modes', async () => {
    const ok = (name: string) => JSON.stringify({ ...task(name), metadata: { name, namespace: 'default', uid: `u-${name}` } });
    const binary = await post({ ...VALID_HEADERS, 'ce-id': 'cs-1', 'content-type': 'application/json; charset=UTF-8' }, ok('charset-binary'));
    assert.ok(binary.status >= 200 && binary.status < 300, `${binary.status} ${binary.text}`);
    const envelope = { specversion: '1.0', id: 'cs-2', source: '/s', type: APISERVER_ADD, data: JSON.parse(ok('charset-structured')) };
    const structured = await post({ 'content-type': 'application/cloudevents+json; charset=UTF-8' }, JSON.stringify(envelope));
    assert.ok(structured.status >= 200 && structured.status < 300, `${structured.status} ${structured.text}`);
  });

  test('a 10 MB body → 413, refused before it is read into memory; the app keeps serving', async () => {
    const server = await listening(h.app('task-intake'));
    try {
      const res = await server.post(VALID_HEADERS, Buffer.alloc(10 * 1024 * 1024, 'a'));
      assert.equal(res.status, 413);
      assert.deepEqual(res.body, { error: 'request body too large (limit 2097152 bytes)' });
    } finally {
      await server.close();
    }
    assert.equal((await request(h.app('task-intake')).get('/healthz')).status, 200);
  });

  test('data that is not an object (a string, a list, null) → 400', async () => {
    for (const data of ['"a Task"', '[1, 2]', 'null', '42']) {
      const res = await post(VALID_HEADERS, data);
      assert.equal(res.status, 400, data);
      assert.match(res.body.error, /must carry a Task object as a JSON object in its data/);
    }
  });

  test('an unknown event type → 400 naming what the function accepts', async () => {
    const res = await post({ ...VALID_HEADERS, 'ce-type': 'com.example.other' }, okTask());
    assert.equal(res.status, 400);
    assert.match(res.body.error, /unsupported event type "com\.example\.other": task-intake accepts/);
  });

  test('a Task-shaped object that is not a Task (wrong kind, no uid) → 400', async () => {
    const job = await post(VALID_HEADERS, JSON.stringify({ kind: 'Job', apiVersion: 'batch/v1', metadata: {} }));
    assert.equal(job.status, 400);
    assert.match(job.body.error, /expects an axon\.io Task/);
    const noUid = await post(VALID_HEADERS, JSON.stringify({ ...task('x'), metadata: { name: 'x', namespace: 'default' } }));
    assert.equal(noUid.status, 400);
    assert.match(noUid.body.error, /metadata\.namespace, metadata\.name and metadata\.uid/);
  });
});

describe('bad input: Tasks (Failed with a message saying what to fix, 400 to the sender)', () => {
  let h: EngineHarness;
  let counter = 0;
  let ns: string;
  before(async () => {
    // The log tail production reads, so that output blocks up to the recorded-output cap fit.
    h = await EngineHarness.start({ logTailBytes: 1024 * 1024 });
  });
  after(() => h.close());
  const fresh = () => {
    h.dropSourceEvents();
    h.dropQueued();
    ns = `bad${++counter}`;
  };

  /** Applies one Task and delivers its add event; returns the answer and the Task's status. */
  async function submit(manifest: object) {
    h.applyTasks([manifest], ns);
    h.dropSourceEvents();
    const name = (manifest as { metadata: { name: string } }).metadata.name;
    const delivery = await h.deliverTo('task-intake', apiServerEvent(APISERVER_ADD, h.task(name, ns)));
    return { delivery, status: h.task(name, ns).status ?? {} };
  }

  const invalid: Array<{ what: string; manifest: () => object; message: RegExp }> = [
    { what: 'a non-string prompt', manifest: () => task('p', { prompt: 42 }), message: /spec\.prompt: must be a string, got number 42/ },
    { what: 'a 300-character name', manifest: () => task('n'.repeat(300)), message: /metadata\.name: "n+\.\.\. is not a valid Task name — use at most 63/ },
    { what: 'dependsOn containing itself', manifest: () => task('me', { dependsOn: ['me'] }), message: /spec\.dependsOn\[0\]: the Task depends on itself — remove "me"/ },
    { what: 'dependsOn with duplicates', manifest: () => task('dup', { dependsOn: ['a', 'a'] }), message: /spec\.dependsOn\[1\]: "a" is listed twice/ },
    { what: 'dependsOn with an invalid name', manifest: () => task('inv', { dependsOn: ['Not_A_Name'] }), message: /spec\.dependsOn\[0\]: "Not_A_Name" is not a valid Task name/ },
    { what: 'a dependency in another namespace', manifest: () => task('xns', { dependsOn: ['other-ns/task'] }), message: /spec\.dependsOn\[0\]: "other-ns\/task" is not a valid Task name/ },
    { what: 'a dependency name of 300 characters', manifest: () => task('long', { dependsOn: ['d'.repeat(300)] }), message: /spec\.dependsOn\[0\]: "d+\.\.\. is not a valid Task name/ },
    { what: '10,001 dependencies', manifest: () => task('many', { dependsOn: Array.from({ length: 10_001 }, (_, i) => `d${i}`) }), message: /spec\.dependsOn: lists 10001 Tasks — at most 10000 are allowed/ },
  ];

  for (const { what, manifest, message } of invalid) {
    test(`${what} → Failed "invalid Task: …" and 400; no Job`, async () => {
      fresh();
      const { delivery, status } = await submit(manifest());
      assert.equal(delivery.status, 400);
      assert.match(String(delivery.error), message);
      assert.equal(status.phase, 'Failed');
      assert.match(String(status.message), /^invalid Task: /);
      assert.match(String(status.message), message);
      assert.ok(String(status.message).length < 4096, 'the message stays readable');
      assert.deepEqual(h.jobNames(ns), []);
    });
  }

  test('a Task with 10,000 dependencies is accepted: Waiting, with a message of bounded size', async () => {
    fresh();
    const deps = Array.from({ length: 10_000 }, (_, i) => `d${i}`);
    const { delivery, status } = await submit(task('wide', { dependsOn: deps }));
    assert.equal(delivery.status, 202);
    assert.equal(status.phase, 'Waiting');
    assert.match(String(status.message), /^Waiting for 10000 dependencies: d0, d1, .* and 9980 more$/);
    assert.ok(String(status.message).length < 400);
    assert.equal((await h.store.get(ns, 'wide'))?.state, 'waiting');
  });

  test('an output block larger than the log tail read (5 MB) → Failed "outputs too large", dependents fail, nothing else lost', async () => {
    fresh();
    h.applyTasks([task('huge'), task('after', { dependsOn: ['huge'] }), task('fine')], ns);
    await h.drain();
    h.startJob('huge', ns);
    const line = 'x'.repeat(1000);
    const block = ['---AXON_OUTPUTS_START---', ...Array.from({ length: 5 * 1024 }, () => line), '---AXON_OUTPUTS_END---'].join('\n');
    h.api.addJobPod(ns, 'huge', { logs: { 'claude-code': `${block}\n` } });
    const job = h.api.get('jobs', ns, 'huge')!;
    const at = new Date().toISOString();
    h.api.put('jobs', { ...job, status: { succeeded: 1, completionTime: at, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: at }] } });
    await runToEnd(h, ns);
    const status = h.task('huge', ns).status ?? {};
    assert.equal(status.phase, 'Failed');
    assert.match(String(status.message), /^outputs too large: the output block does not fit in the last 1048576 bytes of the log/);
    assert.deepEqual(status.outputs, []);
    assert.deepEqual([h.task('after', ns).status?.phase, h.task('after', ns).status?.message], ['Failed', 'Dependency "huge" failed']);
    assert.equal(h.task('fine', ns).status?.phase, 'Succeeded');
    assert.deepEqual(h.jobNames(ns), ['fine', 'huge']);
  });

  /** A succeeded Job whose agent printed `outputs` as its output block. */
  function finishWithOutputs(name: string, outputs: string[]): void {
    h.startJob(name, ns);
    h.endJob(name, ns, ['---AXON_OUTPUTS_START---', ...outputs, '---AXON_OUTPUTS_END---', ''].join('\n'), true);
  }

  test(`outputs over ${MAX_RECORDED_OUTPUT_BYTES} bytes → Failed "outputs too large"; a 5 MB completion report → 413`, async () => {
    fresh();
    h.applyTasks([task('ext'), task('next', { dependsOn: ['ext'] })], ns);
    await h.drain();
    finishWithOutputs('ext', Array.from({ length: 700 }, (_, i) => `line ${i}: ${'y'.repeat(1000)}`));
    await runToEnd(h, ns);
    const status = h.task('ext', ns).status ?? {};
    assert.equal(status.phase, 'Failed');
    assert.match(String(status.message), new RegExp(`^outputs too large: the output block holds \\d+ bytes .* more than the ${MAX_RECORDED_OUTPUT_BYTES} bytes`));
    assert.equal(h.task('next', ns).status?.phase, 'Failed');

    const completed = (data: object) => new CloudEvent({ type: JOB_COMPLETED, source: '/elsewhere', data });
    const fiveMb = HTTP.binary(completed({ namespace: ns, task: 'ext', succeeded: true, outputs: ['z'.repeat(5 * 1024 * 1024)] }));
    const res = await request(h.app('job-status')).post('/').set(fiveMb.headers as Record<string, string>).send(fiveMb.body as string);
    assert.equal(res.status, 413);
  });

  test('a rendered prompt over 128 KiB → Failed before any Job is created, saying why', async () => {
    fresh();
    h.applyTasks([task('big'), task('uses', { dependsOn: ['big'], prompt: '{{ range (index .Deps "big" "Outputs") }}{{ . }}\n{{ end }}' })], ns);
    await h.drain();
    finishWithOutputs('big', Array.from({ length: 100 }, (_, i) => `${i} ${'w'.repeat(2000)}`));
    await runToEnd(h, ns);
    assert.equal(h.task('big', ns).status?.phase, 'Succeeded');
    const status = h.task('uses', ns).status ?? {};
    assert.equal(status.phase, 'Failed');
    assert.match(String(status.message), /^rendered prompt is \d+ bytes, more than the 131071 bytes an agent can receive as one program argument/);
    assert.deepEqual(h.jobNames(ns), ['big']);
  });
});

describe('no input crashes the process, and memory stays bounded', () => {
  test('a burst of oversized and malformed requests leaves the heap where it was and the apps serving', async () => {
    const h = await EngineHarness.start();
    try {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      const server = await listening(h.app('task-intake'));
      const burst = async () => {
        for (let i = 0; i < 10; i++) {
          assert.equal((await server.post(VALID_HEADERS, Buffer.alloc(10 * 1024 * 1024, 'a'))).status, 413);
          assert.equal((await server.post({ 'content-type': 'application/cloudevents+json' }, '{'.repeat(100_000))).status, 400);
          const hugeName = JSON.stringify({ kind: 'Task', apiVersion: 'axon.io/v1alpha1', metadata: { name: 'x'.repeat(1_000_000), namespace: 'default', uid: 'u' } });
          assert.equal((await server.post(VALID_HEADERS, hugeName)).status, 400);
        }
      };
      await burst();
      gc();
      const before = process.memoryUsage().heapUsed;
      await burst();
      gc();
      const grown = process.memoryUsage().heapUsed - before;
      await server.close();
      assert.ok(grown < 20 * 1024 * 1024, `heap grew ${(grown / 1024 / 1024).toFixed(1)} MiB over 30 bad requests`);
      for (const fn of ['task-intake', 'job-status', 'launcher', 'resync']) {
        assert.equal((await request(h.app(fn)).get('/healthz')).status, 200, fn);
      }
      h.applyTasks([task('still-works')]);
      await runToEnd(h);
      assert.equal(h.task('still-works').status?.phase, 'Succeeded');
    } finally {
      await h.close();
    }
  });
});
