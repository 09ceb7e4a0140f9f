/**
 * classifyError on its own, over the error shapes client-node 1.x and node-fetch produce
 * (the adapter tests show the same through the real client; this covers the corners).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyError, parseRetryAfter, statusOf } from '../../shared/cluster/classify.js';
import { NotFoundError, PermanentError, TransientError } from '../../shared/errors.js';

/** The shape of client-node's ApiException: numeric code, body, headers; a message embedding the body. */
function apiException(code: number, body: unknown, headers: Record<string, string> = {}): Error {
  const err = new Error(`HTTP-Code: ${code}\nMessage: x\nBody: ${JSON.stringify(body)}`);
  return Object.assign(err, { code, body, headers });
}

function status(code: number, reason: string, message: string, extra: Record<string, unknown> = {}) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...extra };
}

function systemError(code: string): Error {
  const err = new Error(`request to http://api/x failed, reason: connect ${code}`);
  return Object.assign(err, { name: 'FetchError', type: 'system', code, errno: code });
}

type Kind = 'NotFound' | 'Permanent' | 'Transient';

const cases: Array<{ name: string; error: unknown; kind: Kind; message?: RegExp; retryAfter?: number }> = [
  { name: '404', error: apiException(404, status(404, 'NotFound', 'tasks.axon.io "t" not found')), kind: 'NotFound', message: /not found \(HTTP 404 NotFound: tasks\.axon\.io "t" not found\)/ },
  { name: '400', error: apiException(400, status(400, 'BadRequest', 'bad')), kind: 'Permanent' },
  { name: '401', error: apiException(401, undefined), kind: 'Permanent', message: /HTTP 401\)$/ },
  { name: '403', error: apiException(403, status(403, 'Forbidden', 'cannot patch')), kind: 'Permanent', message: /rejected by the API server \(HTTP 403 Forbidden: cannot patch\)/ },
  { name: '409 on patch (a failed precondition: read again, retry)', error: apiException(409, status(409, 'Conflict', 'modified')), kind: 'Transient', message: /conflict/ },
  { name: '422', error: apiException(422, status(422, 'Invalid', 'spec.x: Required value')), kind: 'Permanent', message: /Invalid: spec\.x: Required value/ },
  { name: '408', error: apiException(408, undefined), kind: 'Transient' },
  { name: '429 with Retry-After seconds', error: apiException(429, status(429, 'TooManyRequests', 'slow down'), { 'retry-after': '12' }), kind: 'Transient', retryAfter: 12 },
  { name: '429, Retry-After header in any case', error: apiException(429, undefined, { 'Retry-After': '4' }), kind: 'Transient', retryAfter: 4 },
  { name: '429, only details.retryAfterSeconds', error: apiException(429, status(429, 'TooManyRequests', 'x', { details: { retryAfterSeconds: 9 } })), kind: 'Transient', retryAfter: 9 },
  { name: '429 without any hint', error: apiException(429, undefined), kind: 'Transient', retryAfter: undefined },
  { name: '500', error: apiException(500, status(500, 'InternalError', 'etcd')), kind: 'Transient' },
  { name: '503 with a body given as text', error: apiException(503, JSON.stringify(status(503, 'ServiceUnavailable', 'down'))), kind: 'Transient', message: /HTTP 503 ServiceUnavailable: down/ },
  { name: 'unexpected 3xx', error: apiException(302, undefined), kind: 'Transient' },
  { name: 'ECONNREFUSED', error: systemError('ECONNREFUSED'), kind: 'Transient', message: /unreachable \(ECONNREFUSED\)/ },
  { name: 'ECONNRESET', error: systemError('ECONNRESET'), kind: 'Transient' },
  { name: 'ETIMEDOUT', error: systemError('ETIMEDOUT'), kind: 'Transient' },
  { name: 'EAI_AGAIN (DNS)', error: systemError('EAI_AGAIN'), kind: 'Transient' },
  { name: 'other FetchError', error: systemError('EWHATEVER'), kind: 'Transient', message: /connection to the API server failed/ },
  { name: 'abort (timeout)', error: Object.assign(new Error('The user aborted a request.'), { name: 'AbortError', type: 'aborted' }), kind: 'Transient', message: /no answer from the API server within 250 ms/ },
  { name: 'unparsable response', error: new SyntaxError('Unexpected token < in JSON'), kind: 'Transient', message: /unreadable response/ },
  // A failure before any answer is a fault of the client or its configuration, not of the event: retried.
  { name: 'a misconfigured client', error: new Error('No active cluster!'), kind: 'Transient', message: /the Kubernetes client failed before the API server answered: No active cluster!/ },
  { name: 'plain HTTP without skipTLSVerify', error: new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false'), kind: 'Transient', message: /failed before the API server answered: HTTP protocol is not allowed/ },
  { name: 'a thrown non-Error', error: 'boom', kind: 'Transient' },
];

for (const c of cases) {
  const { name, error, kind, message } = c;
  test(`classifyError: ${name} → ${kind}`, () => {
    const err = classifyError(error, 'patch status of Task ns/t', { timeoutMs: 250 });
    if (kind === 'NotFound') assert.ok(err instanceof NotFoundError);
    if (kind === 'Permanent') assert.ok(err instanceof PermanentError && !(err instanceof NotFoundError));
    if (kind === 'Transient') assert.ok(err instanceof TransientError);
    assert.equal(err.cause, error);
    assert.ok(err.message.startsWith('patch status of Task ns/t: '), err.message);
    if (message) assert.match(err.message, message);
    if ('retryAfter' in c) {
      assert.ok(err instanceof TransientError);
      assert.equal(err.retryAfterSeconds, c.retryAfter);
    }
  });
}

test('classifyError passes our own errors through unchanged', () => {
  for (const err of [new NotFoundError('a'), new PermanentError('b'), new TransientError('c', { retryAfterSeconds: 1 })]) {
    assert.equal(classifyError(err, 'x'), err);
  }
});

test('the message never carries a raw body, and a Status message is cleaned and shortened', () => {
  const raw = apiException(500, '<html>upstream proxy error: token=abc123</html>');
  const err = classifyError(raw, 'get Job ns/j');
  assert.equal(err.message, 'get Job ns/j: the API server failed (HTTP 500)');
  const long = apiException(422, status(422, 'Invalid', `line one\nline\ttwo ${'z'.repeat(1_000)}`));
  const cleaned = classifyError(long, 'create Job ns/j').message;
  assert.doesNotMatch(cleaned, /[\n\t]/);
  assert.ok(cleaned.length < 400, `${cleaned.length} characters`);
  const sneaky = apiException(400, status(400, 'Bad Request<script>', 'm'));
  assert.doesNotMatch(classifyError(sneaky, 'x').message, /script/, 'a reason that is not a CamelCase word is dropped');
});

test('statusOf reads a Status object or its JSON text, and nothing else', () => {
  assert.deepEqual(statusOf(status(404, 'NotFound', 'gone')), { reason: 'NotFound', message: 'gone' });
  assert.deepEqual(statusOf(JSON.stringify(status(409, 'AlreadyExists', 'dup'))), { reason: 'AlreadyExists', message: 'dup' });
  assert.deepEqual(statusOf({ kind: 'Job', reason: 'NotFound' }), {});
  assert.deepEqual(statusOf('not json'), {});
  assert.deepEqual(statusOf(undefined), {});
});

test('parseRetryAfter: seconds, HTTP dates, garbage', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('30', now), 30);
  assert.equal(parseRetryAfter(' 0 ', now), 0);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now), 10);
  assert.equal(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now), 0, 'a past date means now');
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});
