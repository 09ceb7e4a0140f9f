/**
 * The function shell's HTTP layer without express: bodies bounded before and after decoding,
 * compressed bodies taken, unknown encodings and paths answered with a message, and the app
 * still serving afterwards. Over real sockets (fetch, and raw requests for chunked bodies).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { CloudEvent, HTTP } from 'cloudevents';
import pino from 'pino';
import { readBody } from '../../shared/http/body.js';
import { createFunctionApp } from '../../shared/http/function-app.js';

const LIMIT = 64 * 1024;
const received: unknown[] = [];
let server: Server;
let url: string;

before(async () => {
  const app = createFunctionApp({
    name: 'probe',
    log: pino({ level: 'silent' }),
    bodyLimitBytes: LIMIT,
    handlers: {
      'dev.example.in': async (event) => {
        received.push(event.data);
      },
    },
  });
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function binaryEvent(data: unknown): { headers: Record<string, string>; body: string } {
  const message = HTTP.binary(new CloudEvent({ type: 'dev.example.in', source: '/test', data }));
  return { headers: message.headers as Record<string, string>, body: message.body as string };
}

async function post(headers: Record<string, string>, body: Buffer | string) {
  const res = await fetch(`${url}/`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as { error?: string } | undefined };
}

/** A chunked POST with no Content-Length: the limit must hold while the body streams. */
function postChunked(headers: Record<string, string>, chunks: Buffer[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/`, { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    // The server may answer and close before every chunk is written.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

test('gzip, deflate and br bodies are decoded before the event is read', async () => {
  received.length = 0;
  const compressors = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
  for (const [encoding, compress] of Object.entries(compressors)) {
    const { headers, body } = binaryEvent({ encoding });
    const res = await post({ ...headers, 'content-encoding': encoding }, compress(Buffer.from(body)));
    assert.equal(res.status, 202, `${encoding}: ${JSON.stringify(res.body)}`);
  }
  assert.deepEqual(received, [{ encoding: 'gzip' }, { encoding: 'deflate' }, { encoding: 'br' }]);
});

test('a small compressed body that inflates past the limit → 413, counted after decoding', async () => {
  const { headers } = binaryEvent({});
  const bomb = gzipSync(Buffer.from(JSON.stringify({ pad: 'a'.repeat(LIMIT * 4) })));
  assert.ok(bomb.length < LIMIT / 10, 'the compressed body itself is well under the limit');
  const res = await post({ ...headers, 'content-encoding': 'gzip' }, bomb);
  assert.equal(res.status, 413);
  assert.equal(res.body?.error, `request body too large (limit ${LIMIT} bytes)`);
});

test('a chunked body that grows past the limit → 413 without a Content-Length to go by', { timeout: 10_000 }, async () => {
  const { headers } = binaryEvent({});
  const chunks = Array.from({ length: 8 }, () => Buffer.alloc(16 * 1024, 'a'));
  const res = await postChunked(headers, chunks);
  assert.equal(res.status, 413);
  assert.match(res.body, /request body too large/);
});

test('an encoding that is not known, or a corrupt gzip body → 4xx with a message', async () => {
  const { headers, body } = binaryEvent({});
  const unknown = await post({ ...headers, 'content-encoding': 'zstd' }, body);
  assert.equal(unknown.status, 415);
  assert.match(unknown.body?.error ?? '', /unsupported content encoding "zstd"/);
  const corrupt = await post({ ...headers, 'content-encoding': 'gzip' }, Buffer.from('not gzip at all'));
  assert.equal(corrupt.status, 400);
  assert.match(corrupt.body?.error ?? '', /unreadable request body/);
});

test('unknown paths → 404, a known path with the wrong method → 405 naming the methods', async () => {
  const missing = await fetch(`${url}/nope`);
  assert.equal(missing.status, 404);
  assert.match(((await missing.json()) as { error: string }).error, /nothing is served on \/nope/);
  const wrong = await fetch(`${url}/healthz`, { method: 'POST' });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'GET');
  const head = await fetch(`${url}/healthz?probe=1`, { method: 'HEAD' });
  assert.equal(head.status, 200, 'HEAD is served by the GET route, and the query string is not part of the path');
});

test('after every refusal the app still takes events', async () => {
  received.length = 0;
  const { headers, body } = binaryEvent({ after: true });
  assert.equal((await post(headers, body)).status, 202);
  assert.deepEqual(received, [{ after: true }]);
});

/** Everything the server sends on one raw connection until it closes it. */
function rawExchange(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
    socket.on('close', () => resolve(received));
    socket.end(bytes);
  });
}

test('a refused body is never read as requests: an event hidden in it is not taken, in either framing', { timeout: 10_000 }, async () => {
  received.length = 0;
  const { headers, body } = binaryEvent({ smuggled: true });
  const hidden = ['POST / HTTP/1.1', 'Host: x', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
  // The hidden request first, then enough padding to be over the limit.
  const payload = hidden + 'a'.repeat(LIMIT);
  const declared = ['POST / HTTP/1.1', 'Host: x', 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(payload)}`, '', payload].join('\r\n');
  const chunked = ['POST / HTTP/1.1', 'Host: x', 'Content-Type: application/json', 'Transfer-Encoding: chunked', '', Buffer.byteLength(payload).toString(16), payload, '0', '', ''].join('\r\n');
  for (const request of [declared, chunked]) {
    const answer = await rawExchange(request);
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.equal(answer.match(/HTTP\/1\.1 \d{3} /g)?.length, 1, `one answer, then the connection closes:\n${answer}`);
    assert.match(answer, /connection: close/i);
  }
  assert.deepEqual(received, [], 'the request inside the refused body did not become an event');
});

test('a request its sender abandoned before it was read is refused, not waited for', { timeout: 10_000 }, async () => {
  let outcome: Promise<unknown> | undefined;
  const closed = new Promise<void>((resolve) => {
    const server = createServer((req) => {
      // As while a cold start loads the app: the body is read only after the sender is gone.
      req.once('close', () => {
        outcome = readBody(req).then(() => 'read', (err: Error) => err.message);
        server.close(() => resolve());
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      const client = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-length': '100' } });
      client.on('error', () => undefined);
      client.write('x'.repeat(10), () => setTimeout(() => client.destroy(), 20));
    });
  });
  await closed;
  assert.equal(await outcome, 'request aborted');
});
