import { test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import pino from 'pino';
import { CloudEvent, HTTP } from 'cloudevents';
import { PermanentError, TransientError } from '../../shared/errors.js';
import { createFunctionApp } from '../../shared/http/function-app.js';

const log = pino({ level: 'silent' });

function appWith(outcome: () => Promise<CloudEvent<unknown> | void>) {
  return createFunctionApp({ name: 'probe', log, handlers: { 'dev.example.in': () => outcome() }, bodyLimitBytes: 64 * 1024 });
}

function post(app: ReturnType<typeof appWith>, type = 'dev.example.in', data: unknown = { a: 1 }) {
  const message = HTTP.binary(new CloudEvent({ type, source: '/test', data }));
  return request(app).post('/').set(message.headers as Record<string, string>).send(message.body as string);
}

test('no reply → 202 with an empty body', async () => {
  const res = await post(appWith(async () => undefined));
  assert.equal(res.status, 202);
  assert.equal(res.text, '');
});

test('a reply → 200 carrying a binary-mode CloudEvent', async () => {
  const reply = new CloudEvent({ type: 'dev.example.out', source: '/probe', id: 'r1', data: { ok: true } });
  const res = await post(appWith(async () => reply));
  assert.equal(res.status, 200);
  assert.equal(res.headers['ce-type'], 'dev.example.out');
  assert.equal(res.headers['ce-id'], 'r1');
  assert.deepEqual(JSON.parse(res.text), { ok: true });
});

test('error classes map onto broker status codes', async () => {
  const cases: Array<[Error, number, string | undefined]> = [
    [new PermanentError('spec is wrong'), 400, undefined],
    [new TransientError('redis down'), 503, undefined],
    [new TransientError('slow down', { retryAfterSeconds: 7 }), 429, '7'],
    [new Error('secret detail'), 500, undefined],
  ];
  for (const [err, status, retryAfter] of cases) {
    const res = await post(appWith(async () => { throw err; }));
    assert.equal(res.status, status, err.message);
    assert.equal(res.headers['retry-after'], retryAfter);
    assert.equal(res.body.error, status === 500 ? 'internal error' : err.message);
  }
});

test('garbage gets a 4xx with a message, and the app keeps serving', async () => {
  const app = appWith(async () => undefined);
  const bad = [
    await request(app).post('/').set('content-type', 'application/json').send('{"not":"an event"}'),
    await request(app).post('/').set('content-type', 'application/cloudevents+json').send('{oops'),
    await post(app, 'dev.example.unknown'),
    await request(app).post('/').set('content-type', 'application/json').send('x'.repeat(200 * 1024)),
  ];
  assert.deepEqual(bad.map((r) => r.status), [400, 400, 400, 413]);
  for (const res of bad) assert.equal(typeof res.body.error, 'string');
  assert.match(bad[2]!.body.error, /unsupported event type "dev.example.unknown": probe accepts dev.example.in/);
  assert.equal((await post(app)).status, 202);
});

test('health and readiness', async () => {
  const app = createFunctionApp({ name: 'probe', log, handlers: {}, ready: async () => { throw new Error('redis down'); } });
  assert.equal((await request(app).get('/healthz')).status, 200);
  assert.equal((await request(app).get('/readyz')).status, 503);
});
