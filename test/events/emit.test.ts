// Sending events: the OIDC token the SinkBinding mounts is presented to the Broker, renewed
// tokens are picked up, and without a token nothing is added.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpEmit } from '../../shared/events/emit.js';
import { newEvent } from '../../shared/events/emit.js';
import { fileTokenSource } from '../../shared/events/oidc-token.js';

async function sink(): Promise<{ url: string; seen: IncomingHttpHeaders[]; close: () => void }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => res.writeHead(202).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen, close: () => server.close() };
}

const event = () => newEvent({ type: 'dev.dendrite.task.succeeded', source: '/dendrite/test', subject: '/namespaces/n/tasks/t', id: 'u/succeeded', data: { ok: true } });

test('the mounted OIDC token goes along as a bearer token, and a renewed one is read again', async () => {
  const s = await sink();
  const dir = mkdtempSync(join(tmpdir(), 'dendrite-oidc-'));
  const file = join(dir, 'token');
  writeFileSync(file, 'first.jwt\n');
  let clock = 0;
  const emit = createHttpEmit(s.url, { token: fileTokenSource(file, () => clock) });
  try {
    await emit(event());
    writeFileSync(file, 'second.jwt');
    await emit(event()); // within the re-read interval: the same token
    clock += 61_000;
    await emit(event());
    assert.deepEqual(s.seen.map((h) => h.authorization), ['Bearer first.jwt', 'Bearer first.jwt', 'Bearer second.jwt']);
    assert.equal(s.seen[0]!['ce-type'], 'dev.dendrite.task.succeeded');
  } finally {
    s.close();
  }
});

test('without a mounted token (OIDC off) events go without one', async () => {
  const s = await sink();
  try {
    await createHttpEmit(s.url, { token: fileTokenSource('/nonexistent/dendrite/token') })(event());
    await createHttpEmit(s.url)(event());
    assert.deepEqual(s.seen.map((h) => h.authorization), [undefined, undefined]);
  } finally {
    s.close();
  }
});
