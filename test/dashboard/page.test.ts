/**
 * The dashboard page and server on made-up Tasks (test/support/dashboard-dag.ts), in a real
 * headless Chromium: a 1,000-Task DAG renders whole, with no console error, and a burst of
 * changes is painted in a few batches; every Task-supplied string shows as text; the server
 * only reads and only answers loopback. (How fast the 1,000 Tasks paint: bench/dashboard.ts.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { launchBrowser, type Browser } from '../support/browser.js';
import { layeredDag, memorySource, serveSource, taskViewOf } from '../support/dashboard-dag.js';

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser.close());

test('a 1,000-Task DAG: every node and edge drawn, searchable, a burst of 1,000 changes painted in a few batches, no console errors', async (t) => {
  const tasks = layeredDag(1000);
  const source = memorySource(tasks);
  const server = await serveSource(source);
  t.after(() => server.close());
  const { page, errors } = await browser.open(server.pageUrl);
  await page.waitForSelector('body[data-tasks="1000"]', { timeout: 60_000 });
  assert.equal(await page.locator('.node').count(), 1000);
  assert.equal(await page.locator('.edge').count(), tasks.reduce((n, task) => n + task.dependsOn.length, 0));
  const places = await page.locator('.node').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('transform')));
  assert.equal(new Set(places).size, 1000, 'every node at a laid-out place of its own');
  assert.equal(await page.locator('body').getAttribute('data-layout-place'), 'worker');
  assert.match(await page.locator('#summary').innerText(), /1000 Tasks/);
  const before = Number(await page.locator('body').getAttribute('data-batches'));

  for (const task of tasks) source.set({ ...task, phase: 'Succeeded', usage: { inputTokens: 1, outputTokens: 2 } });
  await page.waitForSelector('.count[data-phase="Succeeded"]:text-is("Succeeded 1000")', { timeout: 60_000 });
  const batches = Number(await page.locator('body').getAttribute('data-batches')) - before;
  assert.ok(batches >= 1 && batches <= 50, `1,000 changes took ${batches} batches`);
  assert.match(await page.locator('#summary').innerText(), /3,000 tokens/);

  await page.fill('#search', 'task-0777');
  assert.equal(await page.locator('.node.match').count(), 1);
  assert.equal(await page.locator('.node.dim').count(), 999);
  await page.press('#search', 'Enter');
  await page.locator('#detail-title', { hasText: 'task-0777' }).waitFor();
  await page.fill('#search', '');
  assert.equal(await page.locator('.node.dim').count(), 0);
  await page.click('#zoom-in');
  await page.click('#fit');
  assert.deepEqual(errors, []);
});

test('what a Task supplies is shown as text: a Task named and prompting with markup runs nothing', async (t) => {
  const hostile = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
  const source = memorySource([
    taskViewOf(hostile, { prompt: `Do this: ${hostile}`, message: hostile, outputs: [hostile], results: { [hostile]: hostile }, response: hostile, phase: 'Running' }),
    taskViewOf('after', { dependsOn: [hostile], type: hostile }),
  ]);
  const server = await serveSource(source);
  t.after(() => server.close());
  const { page, errors } = await browser.open(server.pageUrl);
  await page.waitForSelector('body[data-tasks="2"]');
  const node = page.locator('.node').filter({ has: page.locator('text.name', { hasText: '<script>' }) });
  assert.equal(await node.count(), 1);
  assert.match((await node.getAttribute('aria-label')) ?? '', /^Task <script>window\.__pwned = 1<\/script><img/);
  await node.click();
  await page.getByLabel('Rendered prompt').waitFor();
  assert.equal(await page.getByLabel('Rendered prompt').innerText(), `Do this: ${hostile}`);
  assert.equal(await page.locator('pre[aria-label="Response"]').innerText(), hostile);
  assert.equal(await page.locator('[data-testid="detail-message"]').innerText(), hostile);
  await page.locator('[data-key="default/after"]').focus();
  await page.keyboard.press('Enter');
  await page.locator('#detail-title', { hasText: 'after' }).waitFor();
  assert.equal(await page.locator('section[aria-label="Why it waits"] li').innerText(), `${hostile} — not succeeded yet`);
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  assert.equal(await page.locator('#nodes script, #details script, #details img, #nodes img').count(), 0);
  assert.deepEqual(errors, []);
});

function send(url: string, method: string, host?: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: host ? { host } : {} }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the dashboard server: on loopback, only GETs, only for a loopback Host, the page under a strict content policy', async (t) => {
  const server = await serveSource(memorySource([taskViewOf('one')]));
  t.after(() => server.close());
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  for (const path of ['', 'api/tasks', 'api/events', 'api/tasks/default/one', 'api/tasks/default/one/log', 'ui/']) {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const answer = await send(`${server.url}${path}`, method);
      assert.equal(answer.status, 405, `${method} /${path}`);
      assert.match(answer.body, /the dashboard only reads/);
    }
  }
  const rebound = await send(`${server.url}api/tasks`, 'GET', 'attacker.example:80');
  assert.equal(rebound.status, 403);
  const page = await send(server.pageUrl, 'GET');
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
  assert.match(String(page.headers['content-security-policy']), /worker-src 'self'/);
  assert.equal((await send(`${server.url}`, 'GET')).status, 302);
  assert.equal((await send(`${server.url}api/tasks/default/none`, 'GET')).status, 404);
  assert.equal((await send(`${server.url}api/tasks/default/none/log`, 'GET')).status, 404);
  const detail = JSON.parse((await send(`${server.url}api/tasks/default/one`, 'GET')).body) as { task: { name: string } };
  assert.equal(detail.task.name, 'one');
});
