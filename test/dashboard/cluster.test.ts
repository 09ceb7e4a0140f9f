/**
 * `dendrite dashboard` against a cluster: the fake API server (list + watch of Tasks, Jobs,
 * pods and their logs, Events) reached through client-node with a kubeconfig pointing at it,
 * the built CLI in its own process, the page in a real headless Chromium. Every request the
 * dashboard makes only reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildJob, DEFAULT_JOB_CONFIG } from '../../shared/job/build.js';
import type { Task } from '../../shared/task/model.js';
import { launchBrowser } from '../support/browser.js';
import { startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver.js';
import { cliEnv, runCli, startCli, tempDir, waitFor } from '../cli/cli.js';

function task(name: string, namespace: string, dependsOn: string[], status: Record<string, unknown>) {
  return {
    apiVersion: 'axon.io/v1alpha1',
    kind: 'Task',
    metadata: { name, namespace },
    spec: { type: 'claude-code', prompt: `Prompt of ${name}`, credentials: { type: 'api-key', secretRef: { name: 'key' } }, ...(dependsOn.length ? { dependsOn } : {}) },
    status,
  };
}

function seed(api: FakeApiServer): void {
  api.put('tasks', task('research-api-design', 'default', [], { phase: 'Succeeded', outputs: ['GET /projects - list projects'], usage: { inputTokens: 100, outputTokens: 139 }, startTime: '2026-12-01T10:00:00Z', completionTime: '2026-12-01T10:00:04Z' }));
  const running = api.put('tasks', task('research-data-model', 'default', [], { phase: 'Running', jobName: 'research-data-model', startTime: '2026-12-01T10:00:00Z' }));
  api.put('tasks', task('synthesize-design', 'default', ['research-api-design', 'research-data-model'], { phase: 'Waiting', message: 'Waiting for 2 dependencies: research-api-design, research-data-model' }));
  api.put('tasks', task('elsewhere', 'other', [], { phase: 'Pending' }));
  const job = buildJob(running as unknown as Task, 'The rendered prompt of research-data-model', DEFAULT_JOB_CONFIG);
  api.put('jobs', job);
  api.addJobPod('default', 'research-data-model', {
    phase: 'Running',
    logs: {
      'claude-code': [
        JSON.stringify({ type: 'assistant', message: { content: [{ type: 'text', text: 'Reading the entities <script>alert(1)</script>' }] } }),
        'a plain line',
      ].join('\n') + '\n',
    },
  });
  api.put('events', {
    metadata: { name: 'research-data-model.1', namespace: 'default' },
    involvedObject: { apiVersion: 'axon.io/v1alpha1', kind: 'Task', name: 'research-data-model', namespace: 'default', uid: running.metadata.uid },
    type: 'Normal',
    reason: 'JobCreated',
    message: 'created Job research-data-model',
    count: 1,
    lastTimestamp: '2026-12-01T10:00:01Z',
  });
  api.put('events', {
    metadata: { name: 'synthesize-design.1', namespace: 'default' },
    involvedObject: { kind: 'Task', name: 'synthesize-design', namespace: 'default' },
    type: 'Normal',
    reason: 'Waiting',
    message: 'someone else’s event',
  });
}

function kubeconfigFor(api: FakeApiServer): string {
  const file = join(tempDir('dendrite-kubeconfig-'), 'config');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: api.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'fake', user: { token: 'fake-token' } }],
      contexts: [
        { name: 'fake', context: { cluster: 'fake', user: 'fake', namespace: 'default' } },
        { name: 'fake-other', context: { cluster: 'fake', user: 'fake', namespace: 'other' } },
      ],
      'current-context': 'fake',
    }),
  );
  return file;
}

async function startDashboard(args: string[], kubeconfig: string) {
  const running = startCli(['dashboard', '--port', '0', ...args], cliEnv({ KUBECONFIG: kubeconfig }));
  const url = await waitFor('the dashboard URL', () => / at (http:\/\/127\.0\.0\.1:\d+\/ui\/)/.exec(running.output())?.[1], 30_000);
  return { running, url, base: url.replace(/ui\/$/, '') };
}

test("dendrite dashboard shows a cluster's Tasks live: the watch, the Job's prompt, Events and the pod log, reading only", async (t) => {
  const api = await startFakeApiServer();
  t.after(() => api.close());
  seed(api);
  const kubeconfig = kubeconfigFor(api);
  const { running, url } = await startDashboard([], kubeconfig);
  t.after(() => running.child.kill('SIGKILL'));
  assert.match(running.output(), /the Tasks of namespace default \(context fake, http:\/\/127\.0\.0\.1:\d+\)/);

  const browser = await launchBrowser();
  t.after(() => browser.close());
  const { page, errors } = await browser.open(url);
  await page.waitForSelector('[data-key="default/synthesize-design"][data-phase="Waiting"]');
  assert.equal(await page.locator('.node').count(), 3, 'only namespace default');
  assert.equal(await page.locator('[data-key="default/research-api-design"]').getAttribute('data-phase'), 'Succeeded');
  assert.equal(await page.locator('.edge').count(), 2);
  assert.match((await page.locator('[data-key="default/research-api-design"]').getAttribute('aria-label')) ?? '', /4\.0s · 239 tokens/);

  // The running Task's panel: the prompt from its Job, its own Events, its pod's log as lines for people.
  await page.click('[data-key="default/research-data-model"]');
  // (The list knows the prompt as written; the Job's, once the detail is read, replaces it.)
  await page.getByLabel('Rendered prompt').filter({ hasText: 'The rendered prompt of research-data-model' }).waitFor();
  await page.getByLabel('Agent log').waitFor();
  assert.equal(await page.getByLabel('Agent log').innerText(), 'Reading the entities <script>alert(1)</script>\na plain line');
  const events = page.locator('section[aria-label="Events"] tbody tr');
  assert.equal(await events.count(), 1);
  assert.match(await events.innerText(), /JobCreated\s+created Job research-data-model/);

  // Followed live: the log grows, the Task succeeds; a Task comes, another goes.
  api.setPodLog('default', api.list('pods', 'default')[0]!.metadata.name as string, 'claude-code', 'a plain line\nnow done\n');
  await page.getByLabel('Agent log').filter({ hasText: 'now done' }).waitFor();
  const current = api.get('tasks', 'default', 'research-data-model')!;
  api.put('tasks', { ...current, status: { ...(current.status as object), phase: 'Succeeded', completionTime: '2026-12-01T10:00:09Z' } });
  await page.waitForSelector('[data-key="default/research-data-model"][data-phase="Succeeded"]');
  await page.locator('[data-testid="detail-phase"]', { hasText: 'Succeeded' }).waitFor();
  api.put('tasks', task('review-design', 'default', ['synthesize-design'], { phase: 'Waiting' }));
  await page.waitForSelector('[data-key="default/review-design"]');
  assert.equal(await page.locator('.edge').count(), 3);
  api.remove('tasks', 'default', 'research-api-design');
  await page.waitForSelector('[data-key="default/research-api-design"]', { state: 'detached' });
  assert.match(await page.locator('#summary').innerText(), /3 Tasks/);
  assert.deepEqual(errors, []);

  const watched = api.requests.filter((r) => r.query.watch === 'true' || r.query.watch === '1');
  assert.ok(watched.some((r) => r.path === '/apis/axon.io/v1alpha1/namespaces/default/tasks'), 'Tasks are watched, not polled');
  assert.deepEqual([...new Set(api.requests.map((r) => r.method))], ['GET'], 'the dashboard only reads');

  running.child.kill('SIGINT');
  const result = await running.result;
  assert.equal(result.code, 0, result.stderr);
});

test('dendrite dashboard: -A shows every namespace, --context picks one, and what cannot work exits 2 saying why', async (t) => {
  const api = await startFakeApiServer();
  t.after(() => api.close());
  seed(api);
  const kubeconfig = kubeconfigFor(api);

  const all = await startDashboard(['-A'], kubeconfig);
  t.after(() => all.running.child.kill('SIGKILL'));
  const tasks = (await (await fetch(`${all.base}api/tasks`)).json()) as { namespace: string; name: string }[];
  assert.deepEqual(tasks.map((x) => `${x.namespace}/${x.name}`).sort(), ['default/research-api-design', 'default/research-data-model', 'default/synthesize-design', 'other/elsewhere']);
  assert.ok(api.requests.some((r) => r.path === '/apis/axon.io/v1alpha1/tasks'));
  all.running.child.kill('SIGINT');
  assert.equal((await all.running.result).code, 0);

  const other = await startDashboard(['--context', 'fake-other'], kubeconfig);
  t.after(() => other.running.child.kill('SIGKILL'));
  const inOther = (await (await fetch(`${other.base}api/tasks`)).json()) as { name: string }[];
  assert.deepEqual(inOther.map((x) => x.name), ['elsewhere']);
  other.running.child.kill('SIGINT');
  assert.equal((await other.running.result).code, 0);

  const env = cliEnv({ KUBECONFIG: kubeconfig });
  const noContext = await runCli(['dashboard', '--context', 'nope'], env);
  assert.equal(noContext.code, 2);
  assert.match(noContext.stderr, /no context "nope" in the Kubernetes configuration/);
  const both = await runCli(['dashboard', '-n', 'default', '-A'], env);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /give -n NAMESPACE or -A, not both/);
  api.failNext({ pathIncludes: '/tasks' }, { status: 403, message: 'tasks.axon.io is forbidden: User "me" cannot list resource "tasks"' });
  const forbidden = await runCli(['dashboard', '--port', '0'], env);
  assert.equal(forbidden.code, 2);
  assert.match(forbidden.stderr, /cannot list Tasks in namespace default: the API server answered 403: tasks.axon.io is forbidden/);
});
