import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import express from 'express';
import pino from 'pino';
import { CloudEvent, HTTP } from 'cloudevents';
import { createLocalBroker, type LocalBroker } from '../../shared/local/broker.js';
import { resourceEvent } from '../../shared/local/apiserver-events.js';
import { listenLocal, type LocalServer } from '../../shared/local/listen.js';
import { loadTriggers, parseTriggers, type Trigger } from '../../shared/local/triggers.js';
import { receiveCloudEvent } from '../../shared/events/receive.js';

// Compiled to dist/test/local/, so the repository root is three levels up.
const TRIGGERS_FILE = fileURLToPath(new URL('../../../knative/triggers.yaml', import.meta.url));
const log = pino({ level: 'silent' });
const FAST = { retries: 3, backoffMs: 1, maxBackoffMs: 5 };

interface Received {
  subscriber: string;
  event: CloudEvent<unknown>;
  prefer?: string;
}

/** A subscriber that records each event and answers with `answer(event, attempt)`. */
async function subscriber(
  name: string,
  received: Received[],
  answer: (event: CloudEvent<unknown>, attempt: number) => { status: number; reply?: CloudEvent<unknown>; headers?: Record<string, string> } = () => ({ status: 202 }),
): Promise<LocalServer> {
  const app = express();
  let attempts = 0;
  app.post('/', express.text({ type: () => true }), (req, res) => {
    const event = receiveCloudEvent(req.headers, typeof req.body === 'string' ? req.body : '');
    received.push({ subscriber: name, event, prefer: req.headers.prefer as string | undefined });
    const { status, reply, headers } = answer(event, ++attempts);
    if (headers) res.set(headers);
    if (reply) {
      const message = HTTP.binary(reply);
      res.status(status).set(message.headers as Record<string, string>).send(message.body);
    } else {
      res.status(status).end();
    }
  });
  return listenLocal(app);
}

async function withBroker(
  triggers: Trigger[],
  servers: Record<string, LocalServer>,
  run: (broker: LocalBroker) => Promise<void>,
): Promise<void> {
  const broker = createLocalBroker({
    triggers,
    subscribers: Object.fromEntries(Object.entries(servers).map(([name, server]) => [name, server.url])),
    log,
    retry: FAST,
  });
  try {
    await run(broker);
  } finally {
    broker.close();
    await Promise.all(Object.values(servers).map((s) => s.close()));
  }
}

const event = (type: string, extra: Record<string, unknown> = {}) =>
  new CloudEvent<unknown>({ type, source: '/test', subject: (extra.subject as string) ?? '/s', data: { n: 1 }, ...extra });

test('the real triggers.yaml is read: every Trigger routes its events to its subscriber, and only those', async () => {
  const triggers = loadTriggers(TRIGGERS_FILE);
  assert.ok(triggers.length >= 7, 'the file declares the routes');
  const received: Received[] = [];
  const names = [...new Set(triggers.map((t) => t.subscriber))];
  assert.deepEqual(names.sort(), ['job-status', 'launcher', 'resync', 'task-intake', 'task-spawner', 'task-submit']);
  const servers = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await subscriber(n, received)] as const)));
  await withBroker(triggers, servers, async (broker) => {
    for (const trigger of triggers) {
      received.length = 0;
      await broker.publish(event(trigger.filter.type ?? 'dev.example.any', { ...trigger.filter, subject: `/t/${trigger.name}` }));
      await broker.whenIdle();
      // The PingSource's tick has two Triggers (resync and task-spawner): both get it.
      const sameFilter = triggers.filter((t) => !t.filters && JSON.stringify(t.filter) === JSON.stringify(trigger.filter)).map((t) => t.subscriber);
      assert.deepEqual(received.map((r) => r.subscriber).sort(), (trigger.filters ? [trigger.subscriber] : sameFilter).sort(), `Trigger ${trigger.name}`);
    }
    // Any other system's event goes to the spawners, and only there.
    received.length = 0;
    await broker.publish(event('com.example.ci.failed', { source: '/ci' }));
    await broker.whenIdle();
    assert.deepEqual(received.map((r) => r.subscriber), ['task-spawner']);
    received.length = 0;
    await broker.publish(event('dev.dendrite.task.ready.not'));
    await broker.publish(event('dev.knative.apiserver.resource.update', { kind: 'Pod' }));
    await broker.whenIdle();
    assert.deepEqual(received, [], 'events no Trigger matches are dropped');
  });
});

test('ApiServerSource-shaped Task and Job events reach task-intake and job-status; task.ready reaches launcher', async () => {
  const received: Received[] = [];
  const servers = {
    'task-intake': await subscriber('task-intake', received),
    'job-status': await subscriber('job-status', received),
    launcher: await subscriber('launcher', received),
  };
  await withBroker(loadTriggers(TRIGGERS_FILE), servers, async (broker) => {
    const task = { apiVersion: 'axon.io/v1alpha1', kind: 'Task', metadata: { name: 'a', namespace: 'default' } };
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'a', namespace: 'default' } };
    await broker.publish(resourceEvent('add', task, 'tasks', 'https://api'));
    await broker.publish(resourceEvent('update', job, 'jobs', 'https://api'));
    await broker.publish(event('dev.dendrite.task.ready', { subject: '/namespaces/default/tasks/a' }));
    await broker.whenIdle();
    const by = (name: string) => received.filter((r) => r.subscriber === name).map((r) => r.event.type);
    assert.deepEqual(by('task-intake'), ['dev.knative.apiserver.resource.add']);
    assert.deepEqual(by('job-status'), ['dev.knative.apiserver.resource.update']);
    assert.deepEqual(by('launcher'), ['dev.dendrite.task.ready']);
    const intake = received.find((r) => r.subscriber === 'task-intake')!;
    assert.equal(intake.event.subject, '/apis/axon.io/v1alpha1/namespaces/default/tasks/a');
    assert.equal(intake.event.kind, 'Task');
    assert.equal(intake.event.apiversion, 'axon.io/v1alpha1');
    assert.deepEqual(intake.event.data, task);
    assert.equal(intake.prefer, 'reply', 'brokers send Prefer: reply');
  });
});

test('a 200 reply is a new event, routed again', async () => {
  const received: Received[] = [];
  const triggers = parseTriggers(`
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: { name: first }
spec: { broker: b, filter: { attributes: { type: dev.example.first } }, subscriber: { ref: { name: one } } }
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: { name: second }
spec: { broker: b, filter: { attributes: { type: dev.example.second } }, subscriber: { ref: { name: two } } }
`);
  const servers = {
    one: await subscriber('one', received, () => ({ status: 200, reply: event('dev.example.second', { id: 'reply-1' }) })),
    two: await subscriber('two', received),
  };
  await withBroker(triggers, servers, async (broker) => {
    await broker.publish(event('dev.example.first'));
    await broker.whenIdle();
    assert.deepEqual(received.map((r) => `${r.subscriber}:${r.event.type}`), ['one:dev.example.first', 'two:dev.example.second']);
    assert.equal(received[1]!.event.id, 'reply-1');
    assert.equal(broker.deadLetters.length, 0);
  });
});

const oneRoute = parseTriggers(`
kind: Trigger
metadata: { name: only }
spec: { filter: { attributes: { type: dev.example.in } }, subscriber: { ref: { name: sub } } }
`);

test('5xx and 429 are retried until accepted (at least once); the event is the same each time', async () => {
  const received: Received[] = [];
  const statuses = [503, 429, 500, 202];
  const servers = { sub: await subscriber('sub', received, (_e, attempt) => ({ status: statuses[attempt - 1] ?? 202, headers: { 'retry-after': '0' } })) };
  await withBroker(oneRoute, servers, async (broker) => {
    await broker.publish(event('dev.example.in', { id: 'e-1' }));
    await broker.whenIdle();
    assert.equal(received.length, 4);
    assert.deepEqual(new Set(received.map((r) => r.event.id)), new Set(['e-1']));
    assert.equal(broker.deadLetters.length, 0);
  });
});

test('a 400 is dead-lettered at once; retries that run out are dead-lettered with the last status', async () => {
  const received: Received[] = [];
  const servers = {
    sub: await subscriber('sub', received, (e) => ({ status: e.id === 'bad' ? 400 : 503 })),
  };
  await withBroker(oneRoute, servers, async (broker) => {
    await broker.publish(event('dev.example.in', { id: 'bad', subject: '/a' }));
    await broker.publish(event('dev.example.in', { id: 'down', subject: '/b' }));
    await broker.whenIdle();
    assert.equal(received.filter((r) => r.event.id === 'bad').length, 1, '400 is never retried');
    assert.equal(received.filter((r) => r.event.id === 'down').length, 1 + FAST.retries);
    const letters = Object.fromEntries(broker.deadLetters.map((l) => [l.event.id, l]));
    assert.equal(letters.bad?.status, 400);
    assert.equal(letters.down?.status, 503);
    assert.equal(letters.down?.trigger, 'only');
  });
});

test('a 200 without a CloudEvent counts as a failed delivery and is retried', async () => {
  const received: Received[] = [];
  const servers = { sub: await subscriber('sub', received, (_e, attempt) => ({ status: attempt === 1 ? 200 : 202 })) };
  await withBroker(oneRoute, servers, async (broker) => {
    await broker.publish(event('dev.example.in'));
    await broker.whenIdle();
    assert.equal(received.length, 2);
    assert.equal(broker.deadLetters.length, 0);
  });
});

test('events about one subject reach a subscriber in the order published', async () => {
  const received: Received[] = [];
  // The first event is refused twice before it is taken: the second must still come after it.
  const servers = { sub: await subscriber('sub', received, (e, attempt) => ({ status: e.id === '1' && attempt <= 2 ? 503 : 202 })) };
  await withBroker(oneRoute, servers, async (broker) => {
    for (const id of ['1', '2', '3']) await broker.publish(event('dev.example.in', { id, subject: '/same' }));
    await broker.whenIdle();
    assert.deepEqual(received.map((r) => r.event.id), ['1', '1', '1', '2', '3']);
  });
});

test('a closed broker refuses new events', async () => {
  const broker = createLocalBroker({ triggers: oneRoute, subscribers: { sub: 'http://127.0.0.1:9/' }, log });
  broker.close();
  await assert.rejects(broker.publish(event('dev.example.in')), /closed/);
});

test('any width is delivered: at most `concurrency` deliveries per subscriber in flight, the rest queued, none lost', async () => {
  let inFlight = 0;
  let peak = 0;
  const seen = new Set<string>();
  const app = express();
  app.post('/', express.text({ type: () => true }), (req, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    seen.add(String(req.headers['ce-id']));
    setTimeout(() => {
      inFlight--;
      // Every tenth is refused once: a delivery waiting out its backoff must not hold a slot.
      const id = Number(req.headers['ce-id']);
      res.status(id % 10 === 0 && !retried.has(id) ? (retried.add(id), 503) : 202).end();
    }, 1);
  });
  const retried = new Set<number>();
  const server = await listenLocal(app);
  const width = 3000;
  const broker = createLocalBroker({ triggers: oneRoute, subscribers: { sub: server.url }, log, retry: FAST, concurrency: 8 });
  try {
    for (let i = 0; i < width; i++) await broker.publish(event('dev.example.in', { id: String(i), subject: `/s/${i}` }));
    assert.ok(broker.pending() > 8, 'queued, not all sent at once');
    await broker.whenIdle();
    assert.equal(broker.deadLetters.length, 0, broker.deadLetters[0]?.reason);
    assert.equal(seen.size, width);
    assert.equal(retried.size, width / 10);
    assert.ok(peak <= 8, `peak concurrency ${peak}`);
    assert.equal(broker.pending(), 0);
  } finally {
    broker.close();
    await server.close();
  }
});
