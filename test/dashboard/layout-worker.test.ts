/**
 * The dashboard lays its DAG out in a Web Worker, in a real headless Chromium. The tests hold
 * the worker's answers (they wrap its `postMessage` and `onmessage` from outside, through
 * playwright), so "a layout is running" lasts exactly as long as a test wants, whatever the
 * machine's speed: what the page shows then, and what it draws once the answers go, is
 * deterministic. Checked: the page draws only what the worker answers and its own thread
 * never loads the layout code; it says what it does while the first layout runs; phases show
 * during a layout; shape changes during a layout coalesce into one more layout, of the latest
 * shape, which is what ends drawn; without Workers, or when the worker cannot load, the page
 * lays out itself.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page, Worker } from 'playwright-core';
import { launchBrowser, type Browser } from '../support/browser.js';
import { layeredDag, memorySource, serveSource, taskViewOf } from '../support/dashboard-dag.js';
import type { TaskView } from '../../cli/serve/task-view.js';

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser.close());

const isLayoutWorker = (worker: Worker) => new URL(worker.url()).pathname === '/ui/layout-worker.js';

async function layoutWorker(page: Page): Promise<Worker> {
  return page.workers().find(isLayoutWorker) ?? (await page.waitForEvent('worker', { predicate: isLayoutWorker, timeout: 20_000 }));
}

/** What the tests keep in the worker's scope. */
interface Hold {
  requests: number;
  answers: unknown[];
  holding: boolean;
  post(message: unknown): void;
}

/** From now on the worker's answers wait (counted) until `release`; its requests are counted. */
async function hold(worker: Worker): Promise<void> {
  await worker.evaluate(() => {
    const scope = globalThis as unknown as { postMessage(message: unknown): void; onmessage: ((event: MessageEvent) => void) | null; hold?: Hold };
    const post = scope.postMessage.bind(scope);
    const handle = scope.onmessage;
    if (!handle) throw new Error('the layout worker listens with no onmessage');
    const state: Hold = { requests: 0, answers: [], holding: true, post };
    scope.hold = state;
    scope.onmessage = (event) => {
      state.requests++;
      handle(event);
    };
    scope.postMessage = (message) => {
      if (state.holding) state.answers.push(message);
      else post(message);
    };
  });
}

/** The held answers go to the page, in order, and later ones go at once. */
async function release(worker: Worker): Promise<void> {
  await worker.evaluate(() => {
    const state = (globalThis as unknown as { hold: Hold }).hold;
    state.holding = false;
    for (const message of state.answers.splice(0)) state.post(message);
  });
}

const held = (worker: Worker) =>
  worker.evaluate(() => {
    const state = (globalThis as unknown as { hold: Hold }).hold;
    return { requests: state.requests, answers: state.answers.length };
  });

/** Polls the worker until `done` (a guard of 20 s, not a timing claim). */
async function untilHeld(worker: Worker, done: (h: { requests: number; answers: number }) => boolean): Promise<void> {
  const until = Date.now() + 20_000;
  for (let last = await held(worker); !done(last); last = await held(worker)) {
    if (Date.now() > until) throw new Error(`the worker did not get there: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The scripts parsed on the page's own (main) thread, by URL path; the worker is another target. */
async function mainThreadScripts(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  const urls: string[] = [];
  cdp.on('Debugger.scriptParsed', (event) => {
    if (event.url.startsWith('http')) urls.push(new URL(event.url).pathname);
  });
  await cdp.send('Debugger.enable');
  await cdp.send('Debugger.disable');
  await cdp.detach();
  return urls;
}

const note = (page: Page) => page.locator('#note');
const keys = (page: Page) => page.locator('#nodes .node').evaluateAll((nodes) => nodes.map((n) => (n as SVGGElement).dataset.key ?? ''));

/** Every node drawn has a place of its own: a transform, no two alike. */
async function placements(page: Page): Promise<Map<string, string>> {
  const pairs = await page.locator('#nodes .node').evaluateAll((nodes) => nodes.map((n) => [(n as SVGGElement).dataset.key ?? '', n.getAttribute('transform') ?? ''] as const));
  return new Map(pairs);
}

function edgesOf(tasks: TaskView[]): string[] {
  const names = new Set(tasks.map((t) => t.name));
  return tasks.flatMap((t) => t.dependsOn.filter((d) => names.has(d)).map((d) => `default/${d} → default/${t.name}`)).sort();
}

const drawnEdges = (page: Page) =>
  page.locator('#edges .edge').evaluateAll((paths) => paths.map((p) => `${p.getAttribute('data-from')} → ${p.getAttribute('data-to')}`).sort());

test('the first layout runs in the worker: the page says what it does, shows phases meanwhile, draws the answer; its own thread never loads the layout', async (t) => {
  const source = memorySource([]);
  const server = await serveSource(source);
  t.after(() => server.close());
  const { page, errors } = await browser.open(server.pageUrl);
  await page.locator('#connection', { hasText: 'live' }).waitFor();
  assert.equal(await note(page).innerText(), 'No Tasks yet.');
  const worker = await layoutWorker(page);
  await hold(worker);

  const tasks = layeredDag(30, 10);
  for (const task of tasks) source.set(task);
  await page.locator('#note', { hasText: 'Laying out 30 Tasks…' }).waitFor();
  await untilHeld(worker, (h) => h.answers === 1);
  assert.equal(await page.locator('#graph').getAttribute('aria-busy'), 'true');
  assert.equal(await page.locator('.node').count(), 0, 'nothing is drawn before the worker answers');

  // A phase change during the layout shows at once (the header counts it).
  source.set({ ...tasks[0]!, phase: 'Succeeded' });
  await page.locator('.count[data-phase="Succeeded"]', { hasText: 'Succeeded 1' }).waitFor();
  assert.equal(await note(page).innerText(), 'Laying out 30 Tasks…');
  assert.deepEqual(await held(worker), { requests: 1, answers: 1 }, 'the layout is still held');

  await release(worker);
  await page.waitForSelector('body[data-tasks="30"][data-layout="idle"]');
  const placed = await placements(page);
  assert.deepEqual([...placed.keys()].sort(), tasks.map((t) => `default/${t.name}`).sort());
  assert.equal(new Set(placed.values()).size, 30, 'every node at a place of its own');
  assert.deepEqual(await drawnEdges(page), edgesOf(tasks));
  assert.equal(await page.locator('[data-key="default/task-0000"]').getAttribute('data-phase'), 'Succeeded');
  assert.equal(await note(page).isHidden(), true);
  assert.equal(await page.locator('#graph').getAttribute('aria-busy'), 'false');
  assert.equal(await page.locator('body').getAttribute('data-layout-place'), 'worker');

  // The page's thread parsed its bundle and nothing of the layout; the bundle holds no layout code.
  const scripts = await mainThreadScripts(page);
  assert.ok(scripts.includes('/ui/app.js'), scripts.join(', '));
  assert.ok(!scripts.some((s) => s.startsWith('/ui/layout')), scripts.join(', '));
  const [app, layout] = await Promise.all(['app.js', 'layout.js'].map(async (file) => (await fetch(new URL(file, server.pageUrl))).text()));
  for (const marker of ['longest-path', 'network-simplex']) {
    assert.ok(layout!.includes(marker), `layout.js has dagre's ${marker}`);
    assert.ok(!app!.includes(marker), `app.js has no ${marker}`);
  }
  assert.deepEqual(errors, []);

  // The worker runs under a policy of its own: it may import the layout, and reach nothing.
  const policy = (await fetch(new URL('layout-worker.js', server.pageUrl))).headers.get('content-security-policy');
  assert.equal(policy, "default-src 'none'; script-src 'self'; worker-src 'none'");
  assert.equal(await worker.evaluate(() => fetch('/api/tasks').then(() => 'answered', () => 'refused')), 'refused');
});

test('changes of shape during a layout: phases and removals show at once, the changes make one more layout, of the latest shape, and that is what ends drawn', async (t) => {
  let tasks = layeredDag(120, 20);
  const source = memorySource(tasks);
  const server = await serveSource(source);
  t.after(() => server.close());
  const { page, errors } = await browser.open(server.pageUrl);
  await page.waitForSelector('body[data-tasks="120"][data-layout="idle"]', { timeout: 60_000 });
  const layoutsBefore = Number(await page.locator('body').getAttribute('data-layouts'));
  const worker = await layoutWorker(page);
  await hold(worker);
  // Every node added from now on, to catch a removed Task drawn again.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { added: string[] }).added = seen;
    new MutationObserver((records) => {
      for (const record of records) for (const node of record.addedNodes) seen.push((node as SVGGElement).dataset?.key ?? '');
    }).observe(document.getElementById('nodes')!, { childList: true });
  });

  // A: one Task added. Its layout is answered, and held.
  source.set(taskViewOf('extra-a', { dependsOn: ['task-0119'] }));
  await untilHeld(worker, (h) => h.answers === 1);
  await page.locator('#note', { hasText: 'Laying out 121 Tasks…' }).waitFor();
  assert.match((await note(page).getAttribute('class')) ?? '', /\bcorner\b/, 'over a drawn graph, the note is in the corner');

  // B: more changes of shape while A runs, in three steps, each left to settle (the page then
  // waits for A) — A's Task removed; another added and a Task removed; one's dependencies
  // changed — each followed by a phase change: once that shows, the page has the step.
  const steps: [() => void, string][] = [
    [() => source.remove('default', 'extra-a'), 'task-0005'],
    [
      () => {
        source.set(taskViewOf('extra-b', { dependsOn: ['task-0100', 'task-0101'] }));
        source.remove('default', 'task-0118');
      },
      'task-0006',
    ],
    [() => source.set({ ...tasks[110]!, dependsOn: ['task-0000'] }), 'task-0007'],
  ];
  for (const [change, marker] of steps) {
    change();
    source.set({ ...tasks.find((task) => task.name === marker)!, phase: 'Succeeded' });
    await page.waitForSelector(`[data-key="default/${marker}"][data-phase="Succeeded"]`);
    await page.waitForSelector('body[data-layout="running, next due"]');
    assert.deepEqual(await held(worker), { requests: 1, answers: 1 }, 'nothing more sent while A runs');
  }
  assert.equal(await page.locator('[data-key="default/task-0118"]').count(), 0, 'a removed Task goes at once');
  assert.equal(await page.locator('.edge[data-from="default/task-0118"], .edge[data-to="default/task-0118"]').count(), 0, 'and its edges');
  assert.equal(await page.locator('[data-key="default/extra-b"]').count(), 0, 'a new Task waits for its layout');

  await release(worker);
  await page.waitForSelector('body[data-layout="idle"]');
  await page.locator('[data-key="default/extra-b"]').waitFor({ state: 'attached' });
  assert.deepEqual(await held(worker), { requests: 2, answers: 0 }, 'A, then one layout for all of B');
  assert.equal(Number(await page.locator('body').getAttribute('data-layouts')) - layoutsBefore, 2);

  tasks = source.tasks();
  const placed = await placements(page);
  assert.deepEqual([...placed.keys()].sort(), tasks.map((t) => `default/${t.name}`).sort(), 'every Task of the latest shape drawn, and only those');
  assert.equal(new Set(placed.values()).size, tasks.length, 'every node at a place of its own');
  assert.deepEqual(await drawnEdges(page), edgesOf(tasks), 'the latest edges, task-0110 from task-0000');
  const added = await page.evaluate(() => (window as unknown as { added: string[] }).added);
  assert.ok(!added.includes('default/extra-a') && !added.includes('default/task-0118'), `added: ${added.join(', ')}`);
  for (const marker of ['task-0005', 'task-0006', 'task-0007']) assert.equal(await page.locator(`[data-key="default/${marker}"]`).getAttribute('data-phase'), 'Succeeded');
  assert.equal(await page.locator('body').getAttribute('data-tasks'), String(tasks.length));
  assert.equal(await note(page).isHidden(), true);
  assert.deepEqual(errors, []);
});

/** A page opened with `prepare` run first; its console errors and uncaught exceptions collected. */
async function openPrepared(url: string, prepare: (page: Page) => Promise<void>): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await prepare(page);
  await page.goto(url);
  return { page, errors };
}

const withoutWorker: [string, (page: Page) => Promise<void>][] = [
  [
    'a browser without Web Workers',
    async (page) => {
      await page.addInitScript(() => {
        delete (window as unknown as { Worker?: unknown }).Worker;
      });
    },
  ],
  [
    'a layout worker that cannot be loaded',
    async (page) => {
      await page.route('**/ui/layout-worker.js', (route) => route.fulfill({ status: 404, body: 'gone' }));
    },
  ],
];

for (const [what, prepare] of withoutWorker) {
  test(`${what}: the page lays the graph out on its own thread, and draws it`, async (t) => {
    const tasks = layeredDag(30, 10);
    const server = await serveSource(memorySource(tasks));
    t.after(() => server.close());
    const { page, errors } = await openPrepared(server.pageUrl, prepare);
    t.after(() => page.close());
    await page.waitForSelector('body[data-tasks="30"][data-layout="idle"][data-layout-place="main thread"]');
    assert.deepEqual((await keys(page)).sort(), tasks.map((t) => `default/${t.name}`).sort());
    assert.deepEqual(await drawnEdges(page), edgesOf(tasks));
    assert.ok((await mainThreadScripts(page)).includes('/ui/layout.js'), 'the layout loaded on the page’s thread');
    assert.deepEqual(errors, []);
  });
}
