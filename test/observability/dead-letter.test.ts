import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { CloudEvent, HTTP } from 'cloudevents';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../functions/dead-letter/app.js';
import { createMetrics } from '../../shared/metrics/metrics.js';

type Json = Record<string, any>;

function harness() {
  const lines: Json[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Json);
      done();
    },
  });
  const metrics = createMetrics();
  const app = createApp({ log: pino({ level: 'info' }, sink), metrics });
  const post = (event: CloudEvent<unknown>) => {
    const message = HTTP.binary(event);
    return request(app).post('/').set(message.headers as Record<string, string>).send(message.body as string);
  };
  return { app, lines, metrics, post };
}

test('any well-formed event gets 202 and is logged with its Task and counted by type', async () => {
  const { app, lines, post } = harness();
  const outcome = new CloudEvent({ type: 'dev.dendrite.task.failed', source: '/dendrite/job-status', subject: '/namespaces/ns/tasks/t1', data: { namespace: 'ns', name: 't1', uid: 'u', message: 'Job failed' } });
  const unknown = new CloudEvent({ type: 'com.example.whatever', source: '/elsewhere', data: { anything: true } });
  assert.equal((await post(outcome)).status, 202);
  assert.equal((await post(unknown)).status, 202);
  const recorded = lines.filter((l) => l.msg === 'event recorded');
  assert.equal(recorded.length, 2);
  assert.equal(recorded[0]!.task, 't1');
  assert.equal(recorded[0]!.namespace, 'ns');
  assert.equal(recorded[0]!.message, 'Job failed');
  const scraped = (await request(app).get('/metrics')).text;
  assert.match(scraped, /^dendrite_audited_events_total\{type="dev.dendrite.task.failed"\} 1$/m);
  assert.match(scraped, /^dendrite_audited_events_total\{type="com.example.whatever"\} 1$/m);
});

test('a dead-lettered event is logged as an error with where it failed, and counted apart', async () => {
  const { app, lines, post } = harness();
  // The broker adds these extensions when it gives up; the data of the answer is base64.
  const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'ns', labels: { 'axon.io/task': 'build' } } };
  const letter = new CloudEvent({
    type: 'dev.knative.apiserver.resource.update',
    source: 'https://apiserver',
    subject: '/apis/batch/v1/namespaces/ns/jobs/j',
    data: job,
    knativeerrordest: 'http://job-status.ns.svc.cluster.local',
    knativeerrorcode: '503',
    knativeerrordata: Buffer.from('{"error":"redis down"}').toString('base64'),
  } as never);
  assert.equal((await post(letter as CloudEvent<unknown>)).status, 202);
  const [line] = lines.filter((l) => l.msg.startsWith('event dead-lettered'));
  assert.ok(line, JSON.stringify(lines));
  assert.equal(line.level, 50);
  assert.equal(line.task, 'build');
  assert.equal(line.errorCode, '503');
  assert.equal(line.errorDest, 'http://job-status.ns.svc.cluster.local');
  assert.equal(line.errorData, '{"error":"redis down"}');
  const scraped = (await request(app).get('/metrics')).text;
  assert.match(scraped, /^dendrite_dead_letters_total\{type="dev.knative.apiserver.resource.update"\} 1$/m);
  assert.doesNotMatch(scraped, /^dendrite_audited_events_total\{/m);
});

test('only what is not a CloudEvent is refused', async () => {
  const { app } = harness();
  const res = await request(app).post('/').set('content-type', 'application/json').send('{"not":"an event"}');
  assert.equal(res.status, 400);
});

test('whatever the data — text, bytes, none — a well-formed event is taken (202), logged and counted', async () => {
  const { app, lines } = harness();
  const headers = { 'ce-specversion': '1.0', 'ce-id': 'x1', 'ce-source': '/elsewhere', 'ce-type': 'com.example.text' };
  const text = await request(app).post('/').set({ ...headers, 'content-type': 'text/plain' }).send('the broker gave up on this');
  assert.equal(text.status, 202, text.text);
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]);
  const bytes = await request(app).post('/').set({ ...headers, 'ce-id': 'x2', 'ce-knativeerrorcode': '500', 'content-type': 'image/png' }).send(png);
  assert.equal(bytes.status, 202, bytes.text);
  const empty = await request(app).post('/').set({ ...headers, 'ce-id': 'x3' });
  assert.equal(empty.status, 202, empty.text);
  const recorded = lines.filter((l) => l.ceId === 'x1' || l.ceId === 'x2' || l.ceId === 'x3');
  assert.deepEqual(recorded.map((l) => [l.ceId, l.dataBytes]), [['x1', 26], ['x2', 6], ['x3', 0]]);
  assert.equal(recorded[1]!.msg, 'event dead-lettered: the broker gave up delivering it');
  const scraped = (await request(app).get('/metrics')).text;
  assert.match(scraped, /^dendrite_audited_events_total\{type="com.example.text"\} 2$/m);
  assert.match(scraped, /^dendrite_dead_letters_total\{type="com.example.text"\} 1$/m);
});
