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
