/**
 * The public CloudEvents conformance cases (../shared/ce-conformance, read in place), posted in
 * structured and binary mode through supertest to real function apps: one that records what
 * its handler gets (taking any data, as the dead-letter sink does), the dead-letter app itself,
 * and a JSON-only function app. Every valid case is accepted with its attributes and data
 * exactly as sent; every invalid case is refused with 4xx.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { CloudEvent } from 'cloudevents';
import type { HttpApp } from '../../shared/http/routes.js';
import pino from 'pino';
import request from 'supertest';
import { createApp as createDeadLetterApp } from '../../functions/dead-letter/app.js';
import { createFunctionApp } from '../../shared/http/function-app.js';
import { createMetrics } from '../../shared/metrics/metrics.js';
import { checksFor, CONFORMANCE_DIR, loadConformanceCases, type ConformanceRequest } from '../support/ce-conformance.js';

const log = pino({ level: 'silent' });
const cases = loadConformanceCases();

function recorder(anyData: boolean): { app: HttpApp; last: () => CloudEvent<unknown> | undefined; reset: () => void } {
  let received: CloudEvent<unknown> | undefined;
  const app = createFunctionApp({
    name: 'recorder',
    handlers: {},
    anyData,
    log,
    fallback: async (event) => {
      received = event;
    },
  });
  return { app, last: () => received, reset: () => (received = undefined) };
}

/** superagent would serialise a Buffer sent with a JSON content type as JSON: JSON goes as text. */
async function post(app: HttpApp, req: ConformanceRequest): Promise<number> {
  const type = Object.entries(req.headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';
  const res = await request(app).post('/').set(req.headers).send(/json/i.test(type) ? req.body.toString('utf8') : req.body);
  return res.status;
}

function absent(t: { diagnostic(message: string): void }): boolean {
  if (cases) return false;
  t.diagnostic(`ce-conformance folder absent: the CloudEvents conformance test did not run (looked in ${fileURLToPath(CONFORMANCE_DIR)})`);
  return true;
}

test('CloudEvents conformance: every valid case is received as sent, every invalid one refused, in both modes', async (t) => {
  if (absent(t)) return;
  const { requests, inexpressible } = cases!;
  const { app, last, reset } = recorder(true);
  const failures: string[] = [];
  let passed = 0;
  let total = 0;
  for (const req of requests) {
    reset();
    const status = await post(app, req);
    const received = last();
    for (const check of checksFor(req, status, received ? { ...received } : undefined)) {
      total++;
      if (check.ok) passed++;
      else failures.push(`${req.name}: ${check.what} — ${check.detail}`);
    }
  }
  t.diagnostic(`${passed} of ${total} checks passed over ${requests.length} requests`);
  assert.deepEqual(failures, []);
  // The cases this file knows to have no binary form, and no others: a change in the data shows.
  assert.deepEqual(Object.keys(inexpressible).sort(), ['invalidBothDataAndDataBase64', 'invalidCapitalizedExtension', 'invalidNumericId', 'invalidObjectId']);
  for (const mode of ['structured', 'binary'] as const) {
    assert.ok(requests.some((r) => r.mode === mode && r.expect) && requests.some((r) => r.mode === mode && !r.expect), `${mode}: valid and invalid cases`);
  }
});

test('the dead-letter sink takes every valid case, whatever its data, and refuses every invalid one', async (t) => {
  if (absent(t)) return;
  const app = createDeadLetterApp({ log, metrics: createMetrics() });
  for (const req of cases!.requests) {
    const status = await post(app, req);
    if (req.expect) assert.equal(status, 202, `${req.name}: answered ${status}`);
    else assert.ok(status >= 400 && status < 500, `${req.name}: answered ${status}`);
  }
});

test('a JSON-only function takes every valid case with JSON or no data, answers 415 to other data, 4xx to invalid ones', async (t) => {
  if (absent(t)) return;
  const { app } = recorder(false);
  const answered = { accepted: 0, unsupported: 0 };
  for (const req of cases!.requests) {
    const status = await post(app, req);
    if (!req.expect) {
      assert.ok(status >= 400 && status < 500, `${req.name}: answered ${status}`);
      continue;
    }
    const data = req.expect.data;
    const json = data === undefined || (!(data instanceof Uint8Array) && /json/i.test(String(req.expect.attributes.datacontenttype ?? 'application/json')));
    assert.equal(status, json ? 202 : 415, `${req.name}: answered ${status}`);
    answered[json ? 'accepted' : 'unsupported']++;
  }
  assert.ok(answered.accepted > 0 && answered.unsupported > 0, JSON.stringify(answered));
});
