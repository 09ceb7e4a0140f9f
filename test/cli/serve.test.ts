/**
 * `dendrite serve` as a user runs it: the built CLI in its own process, driven over HTTP the
 * way `curl` drives it (binary and structured CloudEvents), watched through /api/tasks and the
 * Server-Sent Events of /api/events, and stopped with Ctrl-C.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSse, type SseMessage } from '../support/sse.js';
import { alive, cliEnv, ROOT, runCli, scripted, SECRET, STAND_IN, startCli, taskYaml, tempDir, waitFor, writeFiles, type Running } from './cli.js';

const EXAMPLE = join(ROOT, 'examples/07-from-other-systems');
const TOKEN = 'serve-test-token-0123456789';

interface Served {
  running: Running;
  url: string;
}

async function startServe(args: string[], env = cliEnv()): Promise<Served> {
  const running = startCli(['serve', '--port', '0', ...args], env);
  const url = await waitFor('the URL it listens on', () => /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(running.output())?.[1], 30_000);
  return { running, url };
}

/** A CloudEvent in binary mode, as `curl -H 'Ce-…'` sends it. */
function binary(url: string, attributes: Record<string, string>, data: unknown, headers: Record<string, string> = {}) {
  const ce = Object.fromEntries(Object.entries(attributes).map(([k, v]) => [`ce-${k}`, v]));
  return fetch(url, { method: 'POST', headers: { 'ce-specversion': '1.0', 'content-type': 'application/json', ...ce, ...headers }, body: JSON.stringify(data) });
}

/** The same in structured mode: attributes and data in one JSON document. */
function structured(url: string, event: Record<string, unknown>, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json', ...headers }, body: JSON.stringify({ specversion: '1.0', ...event }) });
}

interface ApiTask {
  namespace: string;
  name: string;
  type: string;
  phase: string;
  prompt: string | null;
  results: Record<string, string>;
  response: string;
  outputs: string[];
  dependsOn: string[];
}

function getWithHost(url: string, host: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { ...headers, host } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function tasks(url: string, headers: Record<string, string> = {}): Promise<ApiTask[]> {
  const response = await fetch(`${url}api/tasks`, { headers });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as ApiTask[];
}

async function waitForTasks(url: string, what: string, done: (all: ApiTask[]) => boolean): Promise<ApiTask[]> {
  let latest: ApiTask[] = [];
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    latest = await tasks(url);
    if (done(latest)) return latest;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(latest.map((t) => [t.name, t.phase]))}`);
}

/** Each Task's phases in the order the stream told them, repeats of one phase folded. */
function phasesByTask(messages: readonly SseMessage[]): Record<string, string[]> {
  const phases: Record<string, string[]> = {};
  for (const m of messages.filter((m) => m.event === 'task')) {
    const task = JSON.parse(m.data) as ApiTask;
    const seen = (phases[task.name] ??= []);
    if (task.phase && seen.at(-1) !== task.phase) seen.push(task.phase);
  }
  return phases;
}

test('a curl-style submit of a 3-Task DAG with an external gate runs to completion; the stream tells every phase in order; Ctrl-C ends it', async () => {
  const { running, url } = await startServe([EXAMPLE, '--agent', STAND_IN]);
  const stream = await openSse(`${url}api/events`);
  try {
    const dag = JSON.parse(readFileSync(join(EXAMPLE, 'events/release-dag.json'), 'utf8')) as unknown;
    const submitted = await binary(url, { type: 'dev.dendrite.task.submit', source: '/ci/release', id: 'release-1' }, dag);
    assert.equal(submitted.status, 202, await submitted.text());

    // The gate is announced with its rendered prompt, and waits for the outside world.
    const gated = await waitForTasks(url, 'the gate to run', (all) => all.find((t) => t.name === 'approve-release')?.phase === 'Running');
    const draft = gated.find((t) => t.name === 'draft-release-notes')!;
    const gate = gated.find((t) => t.name === 'approve-release')!;
    assert.equal(draft.phase, 'Succeeded');
    assert.equal(gate.type, 'external');
    assert.ok(draft.response.length > 0, 'the stand-in answers');
    assert.equal(gate.prompt, `Approve the release notes below, or say what to change.\n\n${draft.response}`);
    assert.equal(gated.find((t) => t.name === 'publish-release')!.phase, 'Waiting');

    const approval = JSON.parse(readFileSync(join(EXAMPLE, 'events/approval.json'), 'utf8')) as unknown;
    const completed = await structured(url, { type: 'dev.dendrite.job.completed', source: '/approvals', id: 'approval-1', datacontenttype: 'application/json', data: approval });
    assert.equal(completed.status, 202, await completed.text());

    const done = await waitForTasks(url, 'every Task to succeed', (all) => all.length === 3 && all.every((t) => t.phase === 'Succeeded'));
    assert.deepEqual(done.map((t) => t.name), ['draft-release-notes', 'approve-release', 'publish-release']);
    const approved = done.find((t) => t.name === 'approve-release')!;
    assert.deepEqual(approved.results, { approver: 'maria' });
    assert.equal(approved.response, 'Looks good; ship it.');
    assert.equal(done.find((t) => t.name === 'publish-release')!.prompt, 'Publish the release; maria approved it: Looks good; ship it.');

    await waitFor('the stream to tell the last success', () => phasesByTask(stream.messages)['publish-release']?.includes('Succeeded'));
    assert.deepEqual(phasesByTask(stream.messages), {
      'draft-release-notes': ['Pending', 'Running', 'Succeeded'],
      'approve-release': ['Waiting', 'Running', 'Succeeded'],
      'publish-release': ['Waiting', 'Pending', 'Running', 'Succeeded'],
    });
    const ids = stream.messages.map((m) => Number(m.id));
    assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]!), `ids increase: ${ids.join(',')}`);
    const types = stream.messages.filter((m) => m.event === 'cloudevent').map((m) => (JSON.parse(m.data) as { type: string }).type);
    assert.ok(types.includes('dev.dendrite.task.submit') && types.includes('dev.dendrite.task.submitted') && types.includes('dev.dendrite.job.completed'), types.join(' '));
    assert.match(running.output(), /submitted to default: draft-release-notes, approve-release, publish-release — kubectl get tasks -l dendrite\.dev\/submission=[0-9a-f]{16}/);

    running.child.kill('SIGINT');
    const result = await running.result;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /3 Tasks in [\d.]+s: 3 succeeded/);
    assert.match(result.stdout, /approve-release +Succeeded +[\d.]+s\n +approver: maria/);
    await stream.ended; // the server ended the stream
    await assert.rejects(fetch(`${url}api/tasks`), 'nothing listens any more');
  } finally {
    stream.close();
    running.child.kill('SIGKILL');
  }
});

test('Ctrl-C stops the running agents and what they started: nothing is left running (exit 0)', async () => {
  const record = tempDir();
  const dir = writeFiles({ 'tasks.yaml': taskYaml('long-job', 'agent: slow\nkeep going') + SECRET });
  const { running } = await startServe([dir, '--agent', scripted('scripted', record)]);
  const started = await waitFor('the slow agent to start', () => readdirSync(record).find((f) => f.startsWith('slow-')));
  const { pid, child } = JSON.parse(readFileSync(join(record, started), 'utf8')) as { pid: number; child: number };
  assert.ok(alive(pid) && alive(child));
  await waitFor('the table to show it running', () => /long-job +claude-code +Running/.test(running.output()));
  running.child.kill('SIGINT');
  const result = await running.result;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Stopping 1 running agent…/);
  assert.match(result.stdout, /long-job +Running[\s\S]*interrupted while Running: its agent was stopped/);
  await waitFor('the agent and its child to be gone', () => !alive(pid) && !alive(child), 5000);
});

test('the token is required on every route, the Host must be loopback, and only loopback may go without a token', async () => {
  const { running, url } = await startServe([], cliEnv({ DENDRITE_SERVE_TOKEN: TOKEN }));
  const auth = { authorization: `Bearer ${TOKEN}` };
  try {
    assert.match(running.output(), /listening on http:\/\/127\.0\.0\.1:\d+\/ \(bearer token required\)/);
    const without = await fetch(`${url}api/tasks`);
    assert.equal(without.status, 401);
    assert.match(without.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal((await fetch(`${url}api/tasks`, { headers: { authorization: 'Bearer wrong-token-of-some-length' } })).status, 401);
    assert.equal((await fetch(`${url}api/events`)).status, 401);
    const task = JSON.parse(readFileSync(join(EXAMPLE, 'events/release-dag.json'), 'utf8')).items[0] as unknown;
    const unauthorised = await binary(url, { type: 'dev.dendrite.task.submit', source: '/x', id: 'no-token' }, task);
    assert.equal(unauthorised.status, 401);
    // What a browser sends after DNS rebinding: the attacker's name as Host (fetch cannot set Host).
    const rebound = await getWithHost(`${url}api/tasks`, 'attacker.example', auth);
    assert.equal(rebound.status, 403);
    assert.match(rebound.body, /Host \\"attacker\.example\\" is not this server's loopback address/);
    assert.equal((await getWithHost(`${url}api/tasks`, `localhost:${new URL(url).port}`, auth)).status, 200);
    assert.deepEqual(await tasks(url, auth), [], 'nothing was created without the token');
    const stream = await openSse(`${url}api/events`, auth);
    stream.close();
    const accepted = await binary(url, { type: 'dev.dendrite.task.submit', source: '/x', id: 'with-token' }, task, auth);
    assert.equal(accepted.status, 202);
  } finally {
    running.child.kill('SIGINT');
    assert.equal((await running.result).code, 0);
  }

  const exposed = startCli(['serve', '--port', '0', '--host', '0.0.0.0']);
  const refused = await exposed.result;
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /dendrite serve: listening on 0\.0\.0\.0 lets other machines submit work: give --token \(or DENDRITE_SERVE_TOKEN\)/);
  const short = await startCli(['serve', '--port', '0', '--token', 'short']).result;
  assert.equal(short.code, 2);
  assert.match(short.stderr, /the token must be at least 16 characters/);
});

test('bad input is answered and shown, and the server keeps serving: not a CloudEvent, no Trigger, an invalid submission, a port in use', async () => {
  const { running, url } = await startServe([]);
  const stream = await openSse(`${url}api/events`);
  try {
    const malformed = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(malformed.status, 400);
    assert.match(await malformed.text(), /not a CloudEvent: missing required attribute\(s\) ce-specversion, ce-id, ce-source, ce-type/);

    // Any other system's type goes to the TaskSpawners; one of Dendrite's own that nothing takes is dropped.
    const unrouted = await binary(url, { type: 'dev.dendrite.build.finished', source: '/ci', id: 'b-1' }, { ok: true });
    assert.equal(unrouted.status, 202);
    await waitFor('the console to say it was dropped', () => running.output().includes('received dev.dendrite.build.finished from /ci: no Trigger routes it, so it is dropped'));
    assert.equal((await binary(url, { type: 'com.example.build.finished', source: '/ci', id: 'b-2' }, { ok: true })).status, 202);
    await waitFor('the console to say where it went', () => running.output().includes('received com.example.build.finished from /ci → spawner-events'));

    const invalid = {
      items: [
        { apiVersion: 'axon.io/v1alpha1', kind: 'Task', metadata: { name: 'Bad_Name' }, spec: { type: 'codex', prompt: 'x', credentials: { type: 'api-key', secretRef: { name: 'k' } } } },
        { apiVersion: 'axon.io/v1alpha1', kind: 'Task', metadata: { name: 'broken' }, spec: { type: 'codex', dependsOn: ['elsewhere'], prompt: '{{ .Deps.x', credentials: { type: 'api-key', secretRef: { name: 'k' } } } },
      ],
    };
    assert.equal((await binary(url, { type: 'dev.dendrite.task.submit', source: '/ci', id: 'bad-1' }, invalid)).status, 202);
    const letter = await waitFor('the refusal as a dead letter', () => stream.messages.find((m) => m.event === 'dead-letter'));
    const dead = JSON.parse(letter.data) as { type: string; trigger: string; status: number; reason: string };
    assert.equal(dead.type, 'dev.dendrite.task.submit');
    assert.equal(dead.status, 400);
    // Every problem, in full (not cut at a few hundred characters).
    assert.match(dead.reason, /^400 the submission is invalid; nothing was created: items\[0\] \(Bad_Name\): metadata\.name: "Bad_Name" is not a valid Task name/);
    assert.match(dead.reason, /items\[1\] \(broken\): spec\.dependsOn: "elsewhere" is neither in this submission nor a Task in namespace default/);
    assert.match(dead.reason, /items\[1\] \(broken\): spec\.prompt: /);
    assert.deepEqual(await tasks(url), [], 'nothing was created');
    await waitFor('the console to show the refusal', () => running.output().includes('event dead-lettered'));

    const port = Number(new URL(url).port);
    const busy = await startCli(['serve', '--port', String(port)]).result;
    assert.equal(busy.code, 2);
    assert.match(busy.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use: choose another with --port \\(0 picks a free one\\)`));
    assert.equal((await fetch(`${url}api/tasks`)).status, 200, 'still serving');
  } finally {
    stream.close();
    running.child.kill('SIGINT');
    assert.equal((await running.result).code, 0);
  }
});

test('--port refuses what is not a port', async () => {
  const result = await startCli(['serve', '--port', 'http']).result;
  assert.equal(result.code, 2);
  assert.match(result.stderr, /a port is a whole number from 0 to 65535/);
});

test('offline: the submission validates as it is sent, and `dendrite run` of it says the external gate waits for another system', async () => {
  const submission = join(EXAMPLE, 'events/release-dag.json');
  const valid = await runCli(['validate', EXAMPLE, submission]);
  assert.equal(valid.code, 0, valid.stdout);
  assert.equal(valid.stdout, '✓ 3 Tasks, 1 Secret: valid\n');
  const run = await runCli(['run', EXAMPLE, submission, '--agent', STAND_IN]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stdout, /approve-release +Running +[\d.]+s\n +stalled: an external Task ends when another system reports its outcome \(dev\.dendrite\.job\.completed\); `dendrite serve` takes that event/);
  assert.match(run.stdout, /3 Tasks in [\d.]+s: 1 succeeded, 2 stalled/);
});
