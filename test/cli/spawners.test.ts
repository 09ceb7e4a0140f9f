/**
 * TaskSpawners in the local mode (examples/08-task-spawners): `dendrite run --fast-forward`
 * makes the cron ticks in between, once each; `dendrite serve` turns a posted CloudEvent into a
 * Task through the cloudEvent spawner, once however often it is posted; validate checks
 * schedules, templates and references.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueJson, startFakeGitHub } from '../support/fake-github.js';
import { startGitDaemon } from '../support/git-daemon.js';
import { cliEnv, parseJson, ROOT, runCli, STAND_IN, startCli, tempDir, waitFor, writeFiles } from './cli.js';

const EXAMPLE = join(ROOT, 'examples/08-task-spawners');

test('run --fast-forward 14d: two Mondays at 9:00 pass, two Tasks are spawned and run', async () => {
  const result = await runCli(['run', EXAMPLE, '--fast-forward', '14d', '--agent', STAND_IN, '--output', 'json']);
  assert.equal(result.code, 0, result.stderr);
  const tasks = parseJson(result);
  assert.equal(tasks.length, 2, result.stderr);
  for (const task of tasks) {
    assert.match(task.name, /^weekly-dependency-update-\d{8}-0900$/);
    assert.equal(task.phase, 'Succeeded');
    assert.match(task.prompt!, /^Check for outdated dependencies and update them \(run of \d{4}-\d\d-\d\dT09:00:00\.000Z\)\./);
  }
});

test('run without --fast-forward: no tick is due yet, nothing is spawned, the run ends', async () => {
  const result = await runCli(['run', EXAMPLE, '--agent', STAND_IN, '--output', 'json']);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(parseJson(result), []);
});

test('serve: a posted CI failure becomes one Task, its prompt showing the event; posted again, none more', async () => {
  const running = startCli(['serve', EXAMPLE, '--port', '0', '--agent', STAND_IN], cliEnv());
  try {
    const url = await waitFor('the URL', () => /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(running.output())?.[1], 30_000);
    await waitFor('the spawners applied', () => /TaskSpawners: weekly-dependency-update \(cron\), fix-ci \(cloudEvent\)/.test(running.output()));
    const post = (id: string, branch: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-type': 'com.example.ci.failed', 'ce-source': '/ci/main', 'ce-id': id, 'ce-subject': 'pipelines/42', 'ce-branch': branch },
        body: JSON.stringify({ job: 'unit-tests', log: ['FAIL src/parse.test.ts', 'expected 3, got 4'] }),
      });
    assert.equal((await post('run-1', 'main')).status, 202);
    assert.equal((await post('run-1', 'main')).status, 202);
    assert.equal((await post('run-2', 'feature')).status, 202);
    type ApiTask = { name: string; phase: string; prompt: string | null };
    let list: ApiTask[] = [];
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      list = (await (await fetch(`${url}api/tasks`)).json()) as ApiTask[];
      if (list.length > 0 && list.every((t) => t.phase === 'Succeeded')) break;
    }
    assert.equal(list.length, 1, JSON.stringify(list));
    assert.match(list[0]!.name, /^fix-ci-[0-9a-f]{10}$/);
    assert.equal(list[0]!.prompt, 'CI failed on main (pipelines/42): job unit-tests.\nLast lines of its log:\n  FAIL src/parse.test.ts\n  expected 3, got 4\nFind the cause and fix it.\n');
  } finally {
    running.child.kill('SIGINT');
    await running.result;
  }
});

test('validate: a bad schedule, a template that does not parse, a reserved event type and a missing Workspace, each at its place', async () => {
  const spawner = (name: string, when: object, extra: object = {}) =>
    JSON.stringify({ apiVersion: 'axon.io/v1alpha1', kind: 'TaskSpawner', metadata: { name }, spec: { when, taskTemplate: { type: 'claude-code', credentials: { type: 'api-key', secretRef: { name: 'k' } }, ...extra } } });
  const dir = writeFiles({
    'spawners.yaml': [
      spawner('bad-cron', { cron: { schedule: '0 9 * *' } }),
      spawner('bad-template', { cron: { schedule: '0 9 * * 1' } }, { promptTemplate: 'Fix {{.Title' }),
      spawner('loop', { cloudEvent: { type: 'dev.dendrite.task.succeeded' } }),
      spawner('two', { cron: { schedule: '* * * * *' }, cloudEvent: { type: 'x' } }),
      spawner('no-repo', { githubIssues: {} }),
      spawner('missing', { cron: { schedule: '* * * * *' } }, { workspaceRef: { name: 'nowhere' } }),
    ].join('\n---\n'),
  });
  const result = await runCli(['validate', dir]);
  assert.equal(result.code, 1, result.stdout);
  const out = result.stdout;
  assert.match(out, /spawners\.yaml:1:\d+: TaskSpawner bad-cron: spec\.when\.cron\.schedule: cron schedule "0 9 \* \*": expected 5 fields/);
  assert.match(out, /TaskSpawner bad-template: spec\.taskTemplate\.promptTemplate: .*unclosed action|TaskSpawner bad-template: spec\.taskTemplate\.promptTemplate: /);
  assert.match(out, /TaskSpawner loop: spec\.when\.cloudEvent\.type: dev\.dendrite\.task\.succeeded is one of Dendrite's own event types/);
  assert.match(out, /TaskSpawner two: spec\.when: exactly one of githubIssues, cron, cloudEvent must be set \(found cron, cloudEvent\)/);
  assert.match(out, /TaskSpawner no-repo: spec\.taskTemplate\.workspaceRef: required when using githubIssues source/);
  assert.match(out, /TaskSpawner missing: spec\.taskTemplate\.workspaceRef\.name: no Workspace named "nowhere" is given/);
  assert.match(out.trimEnd().split('\n').at(-1)!, /^✗ \d+ problems?(, 1 warning)? in 6 TaskSpawners, 0 Secrets$/);
});

test('serve --github-webhook-secret: a signed delivery on /github becomes a Task; unsigned ones are refused', async () => {
  const daemon = await startGitDaemon({ 'acme/app': { main: { 'README.md': '# app\n' } } });
  const gh = await startFakeGitHub('acme', 'app');
  const secretFile = join(tempDir(), 'webhook-secret');
  writeFileSync(secretFile, 'local-webhook-secret\n');
  const dir = writeFiles({
    'spawner.yaml': [
      JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k' }, stringData: { ANTHROPIC_API_KEY: 'sk-x' } }),
      JSON.stringify({ apiVersion: 'axon.io/v1alpha1', kind: 'Workspace', metadata: { name: 'app' }, spec: { repo: daemon.url('acme/app') } }),
      JSON.stringify({
        apiVersion: 'axon.io/v1alpha1',
        kind: 'TaskSpawner',
        metadata: { name: 'triage' },
        spec: { when: { githubIssues: { labels: ['bug'] } }, taskTemplate: { type: 'claude-code', credentials: { type: 'api-key', secretRef: { name: 'k' } }, workspaceRef: { name: 'app' }, promptTemplate: 'Triage #{{.Number}}: {{.Title}}' } },
      }),
    ].join('\n---\n'),
  });
  const running = startCli(['serve', dir, '--port', '0', '--agent', STAND_IN, '--github-api', gh.url, '--github-webhook-secret', secretFile], cliEnv());
  try {
    const url = await waitFor('the URL', () => /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(running.output())?.[1], 30_000);
    // The start's listing found nothing; within pollInterval only the delivery can bring #8.
    await waitFor('the first listing', () => gh.requests.some((r) => r.path.endsWith('/issues')));
    gh.issues.push({ number: 8, title: 'It breaks', labels: ['bug'] });
    const body = JSON.stringify({ action: 'opened', issue: issueJson('acme', 'app', gh.issues[0]!), repository: { full_name: 'acme/app' } });
    const send = (signature?: string) =>
      fetch(`${url}github`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': 'abc-1', ...(signature ? { 'x-hub-signature-256': signature } : {}) },
        body,
      });
    assert.equal((await send()).status, 401);
    assert.equal((await send(`sha256=${createHmac('sha256', 'wrong').update(body).digest('hex')}`)).status, 401);
    assert.equal((await send(`sha256=${createHmac('sha256', 'local-webhook-secret').update(body).digest('hex')}`)).status, 202);
    type ApiTask = { name: string; phase: string; prompt: string | null };
    let list: ApiTask[] = [];
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      list = (await (await fetch(`${url}api/tasks`)).json()) as ApiTask[];
      if (list.length > 0 && list.every((t) => t.phase === 'Succeeded')) break;
    }
    assert.deepEqual(list.map((t) => [t.name, t.phase, t.prompt]), [['triage-8', 'Succeeded', 'Triage #8: It breaks']]);
    assert.ok(!running.output().includes('local-webhook-secret'), 'the secret is never printed');
  } finally {
    running.child.kill('SIGINT');
    await running.result;
    await gh.close();
    daemon.stop();
  }
});
