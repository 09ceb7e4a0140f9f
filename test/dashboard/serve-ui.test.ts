/**
 * `dendrite serve` mounts the dashboard: the same page and data API beside its ingress, under
 * its guard (a token, when given, is required on the page's data too).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchBrowser } from '../support/browser.js';
import { cliEnv, ROOT, STAND_IN, startCli, waitFor } from '../cli/cli.js';

const TOKEN = 'serve-ui-test-token-0123456789';

test('dendrite serve serves the dashboard at /ui/, with the Task detail and log API, behind its token (the page sends it)', async (t) => {
  const running = startCli(['serve', '--port', '0', join(ROOT, 'examples/05-orchestrator'), '--agent', STAND_IN], cliEnv({ DENDRITE_SERVE_TOKEN: TOKEN }));
  t.after(() => running.child.kill('SIGKILL'));
  const url = await waitFor('the URL', () => /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(running.output())?.[1], 30_000);
  assert.match(running.output(), new RegExp(`The dashboard: ${url}ui/ \\(add #token=<the token> to the address\\)`));
  const auth = { authorization: `Bearer ${TOKEN}` };
  // The page holds no data, so a browser opens it without the token; its data needs the token (the page sends #token=…).
  const html = await fetch(`${url}ui/`);
  assert.equal(html.status, 200);
  assert.match(await html.text(), /<script type="module" src="app.js"><\/script>/);
  assert.match((await fetch(`${url}ui/app.js`)).headers.get('content-type') ?? '', /^text\/javascript/);
  // The layout's worker and module, served the same way (a worker script must be JavaScript by its type).
  for (const file of ['layout-worker.js', 'layout.js']) assert.match((await fetch(`${url}ui/${file}`)).headers.get('content-type') ?? '', /^text\/javascript/, file);
  assert.equal((await fetch(`${url}api/tasks/default/synthesize-design`)).status, 401);
  assert.equal((await fetch(`${url}api/events`)).status, 401);

  await waitFor('synthesize-design to succeed', () => running.output().includes('synthesize-design     claude-code   Succeeded'), 30_000);
  const detail = (await (await fetch(`${url}api/tasks/default/synthesize-design`, { headers: auth })).json()) as { task: { prompt: string }; spec: { dependsOn: string[] }; events: unknown[] };
  assert.deepEqual(detail.spec.dependsOn, ['research-api-design', 'research-data-model']);
  assert.match(detail.task.prompt, /GET \/projects - list projects/);
  const log = (await (await fetch(`${url}api/tasks/default/synthesize-design/log`, { headers: auth })).json()) as { podName: string; lines: string[] };
  assert.match(log.podName, /^synthesize-design-/);
  assert.ok(log.lines.includes('---AXON_OUTPUTS_START---'), log.lines.join('\n'));

  // In a browser: the page takes the token from its address and sends it with every request.
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const { page, errors } = await browser.open(`${url}ui/#token=${TOKEN}`);
  await page.waitForSelector('[data-key="default/synthesize-design"][data-phase="Succeeded"]');
  assert.equal(await page.locator('.node').count(), 3);
  assert.equal(await page.locator('#connection').innerText(), 'live');
  assert.equal(await page.locator('body').getAttribute('data-layout-place'), 'worker', 'laid out in the worker, not by the fallback');
  assert.deepEqual(errors, []);
  running.child.kill('SIGINT');
  assert.equal((await running.result).code, 0);
});
