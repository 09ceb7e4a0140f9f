/** The local mode runs resync as a cluster does: ticks built from the resync Trigger, through the broker. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CloudEvent } from 'cloudevents';
import pino from 'pino';
import { startLocalEngine } from '../../cli/engine.js';
import type { DeadLetter } from '../../shared/local/broker.js';
import { tickFor } from '../../shared/local/ping.js';
import { loadTriggers, matches } from '../../shared/local/triggers.js';
import { createMemoryStore } from '../../shared/store/memory-store.js';
import { isolatedRenderer } from '../support/renderer.js';
import { taskSchema } from '../support/task-schema.js';

const TRIGGERS = loadTriggers(fileURLToPath(new URL('../../../knative/triggers.yaml', import.meta.url)));

test('the tick is built from the Trigger that routes to resync, and only it and the spawners\' Trigger match it', () => {
  const tick = tickFor(TRIGGERS, 'resync');
  assert.ok(tick, 'knative/triggers.yaml routes something to resync');
  const event = tick();
  assert.equal(event.type, 'dev.knative.sources.ping');
  assert.deepEqual(TRIGGERS.filter((t) => matches(t, event)).map((t) => t.subscriber), ['resync', 'task-spawner']);
  assert.equal(tickFor(TRIGGERS, 'no-such-function'), undefined);
});

test('the local engine ticks resync, which repairs what is missing from the index', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dendrite-resync-tick-'));
  const store = createMemoryStore();
  const renderer = isolatedRenderer();
  const events: CloudEvent<unknown>[] = [];
  const deadLetters: DeadLetter[] = [];
  const engine = await startLocalEngine({
    store,
    renderer,
    submit: { schema: taskSchema(), namespaces: ['default'] },
    triggers: TRIGGERS,
    log: pino({ level: 'silent' }),
    agent: () => [process.execPath, '-e', ''],
    baseEnv: { PATH: process.env.PATH ?? '', HOME: dir },
    podRoot: dir,
    sourceDir: dir,
    resyncIntervalMs: 40,
    onEvent: (event) => events.push(event),
    onDeadLetter: (letter) => deadLetters.push(letter),
  });
  try {
    // A Task waiting for a dependency that never comes: registered by intake.
    engine.apply({
      secrets: [],
      tasks: [
        {
          apiVersion: 'axon.io/v1alpha1',
          kind: 'Task',
          metadata: { name: 'waits' },
          spec: { type: 'codex', prompt: '{{ .Deps.later.Name }}', dependsOn: ['later'], credentials: { type: 'api-key', secretRef: { name: 'k' } } },
        },
      ],
    });
    const waitFor = async (what: string, ok: () => Promise<boolean> | boolean) => {
      const deadline = Date.now() + 10_000;
      while (!(await ok())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await waitFor('registration', async () => (await store.get('default', 'waits'))?.state === 'waiting');
    // The index loses the Task (as after a Redis wipe); the next ticks put it back.
    const uid = (await store.get('default', 'waits'))!.uid;
    await store.remove('default', 'waits', uid);
    assert.equal(await store.purgeDeleted('default', 'waits', uid, Date.now() + 1), true);
    assert.equal(await store.get('default', 'waits'), null);
    await waitFor('resync to re-register the Task', async () => (await store.get('default', 'waits'))?.state === 'waiting');
    assert.ok(events.filter((e) => e.type === 'dev.knative.sources.ping').length >= 1);
    assert.deepEqual(deadLetters, []);
  } finally {
    await Promise.all([engine.close(), renderer.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
});
