/**
 * The dashboard page on a large DAG, in real headless Chromium: the real server and page
 * (dist/ui) over a source of made-up Tasks (test/support/dashboard-dag.ts), a layered DAG of
 * N Tasks, each depending on up to three of the layer before. Measured per size, over fresh
 * page loads:
 * - first paint (navigation → every node drawn at its laid-out place, which includes fetching
 *   the snapshot over Server-Sent Events and the layout), the main thread's time for the batch
 *   that drew it, and the layout's time;
 * - a change of shape (one Task added): time until its node is drawn;
 * - during both, the main thread's longest blocking stretch: the longest gap between two
 *   animation frames (a heartbeat, so it counts the page's drawing as well as its scripts);
 * - a burst of N phase changes: time until all are painted and how many batches that took.
 */
import type { Page } from 'playwright-core';
import { launchBrowser } from '../test/support/browser.js';
import { layeredDag, memorySource, serveSource, taskViewOf } from '../test/support/dashboard-dag.js';
import { isMain, printSection } from './support/main.js';
import { median, table } from './support/stats.js';

export interface DashboardBenchOptions {
  sizes: number[];
  runs: number;
}

export interface DashboardFigures {
  tasks: number;
  edges: number;
  /** Medians over the runs. */
  firstPaintMs: number;
  /** The main thread's time drawing the layout it got. */
  drawMs: number;
  /** From sending the shape to the layout to its answer. */
  layoutMs: number;
  /** The longest gap between animation frames from navigation to the first paint. */
  firstPaintBlockedMs: number;
  /** One Task added: from the change to its node drawn, and the longest frame gap meanwhile. */
  shapeChangeMs: number;
  shapeChangeBlockedMs: number;
  burstMs: number;
  burstBatches: number;
}

type Measured = Exclude<keyof DashboardFigures, 'tasks' | 'edges'>;

/** The heartbeat's record in the page: [frame time, gap since the frame before], in page time. */
type Heartbeat = { __frames?: [number, number][] };

/** Installed before the page's own scripts: every animation frame's time and the gap before it. */
function heartbeat(): void {
  const frames: [number, number][] = [];
  (window as unknown as Heartbeat).__frames = frames;
  let last = performance.now();
  const tick = () => {
    const now = performance.now();
    frames.push([now, now - last]);
    last = now;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

/** The longest frame gap that overlaps [from, to] (page time), after two more frames, so that the gap ending the stretch is in. */
async function longestGap(page: Page, from: number, to: number): Promise<number> {
  return page.evaluate(
    async ([a, b]) => {
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      let longest = 0;
      for (const [end, gap] of (window as unknown as Heartbeat).__frames ?? []) if (end > a && end - gap < b) longest = Math.max(longest, gap);
      return longest;
    },
    [from, to] as const,
  );
}

const pageNow = (page: Page) => page.evaluate(() => performance.now());

const drawn = (page: Page, count: number) =>
  page.waitForFunction((n) => document.querySelectorAll('#nodes .node').length === n, count, { timeout: 120_000, polling: 'raf' });

export async function runDashboardBench(options: DashboardBenchOptions): Promise<DashboardFigures[]> {
  const browser = await launchBrowser();
  await browser.context.addInitScript(heartbeat);
  const results: DashboardFigures[] = [];
  try {
    for (const size of options.sizes) {
      const tasks = layeredDag(size);
      const samples = new Map<Measured, number[]>();
      const add = (what: Measured, value: number) => {
        const list = samples.get(what);
        if (list) list.push(value);
        else samples.set(what, [value]);
      };
      for (let run = 0; run < options.runs; run++) {
        const source = memorySource(tasks);
        const server = await serveSource(source);
        try {
          const started = performance.now();
          const { page, errors } = await browser.open(server.pageUrl);
          await drawn(page, size);
          add('firstPaintMs', performance.now() - started);
          add('firstPaintBlockedMs', await longestGap(page, 0, await pageNow(page)));
          add('drawMs', Number(await page.locator('body').getAttribute('data-last-draw-ms')));
          add('layoutMs', Number(await page.locator('body').getAttribute('data-last-layout-ms')));

          const last = tasks[tasks.length - 1]!;
          // Page time, taken while the page idles: the stretch starts here.
          const changedAt = await pageNow(page);
          const shapeStarted = performance.now();
          source.set(taskViewOf(`added-${run}`, { dependsOn: [last.name] }));
          await page.waitForSelector(`[data-key="default/added-${run}"]`, { timeout: 120_000 });
          add('shapeChangeMs', performance.now() - shapeStarted);
          add('shapeChangeBlockedMs', await longestGap(page, changedAt, await pageNow(page)));

          const before = Number(await page.locator('body').getAttribute('data-batches'));
          const burstStarted = performance.now();
          for (const task of tasks) source.set({ ...task, phase: 'Succeeded' });
          await page.waitForSelector(`.count[data-phase="Succeeded"]:text-is("Succeeded ${size}")`, { timeout: 120_000 });
          add('burstMs', performance.now() - burstStarted);
          add('burstBatches', Number(await page.locator('body').getAttribute('data-batches')) - before);
          if (errors.length > 0) throw new Error(`console errors: ${errors.join('; ')}`);
          await page.close();
        } finally {
          await server.close();
        }
      }
      const m = (what: Measured) => median(samples.get(what) ?? []);
      results.push({
        tasks: size,
        edges: tasks.reduce((n, t) => n + t.dependsOn.length, 0),
        firstPaintMs: m('firstPaintMs'),
        drawMs: m('drawMs'),
        layoutMs: m('layoutMs'),
        firstPaintBlockedMs: m('firstPaintBlockedMs'),
        shapeChangeMs: m('shapeChangeMs'),
        shapeChangeBlockedMs: m('shapeChangeBlockedMs'),
        burstMs: m('burstMs'),
        burstBatches: m('burstBatches'),
      });
    }
  } finally {
    await browser.close();
  }
  return results;
}

export function dashboardReport(results: DashboardFigures[]): string {
  return table(
    [
      'Tasks',
      'edges',
      'first paint (ms)',
      'main thread’s longest block in it (ms)',
      'the drawing batch (ms)',
      'the layout (ms)',
      'a Task added: drawn (ms)',
      'main thread’s longest block in it (ms)',
      'burst of N changes painted (ms)',
      'batches for the burst',
    ],
    results.map((r) => [
      r.tasks,
      r.edges,
      Math.round(r.firstPaintMs),
      Math.round(r.firstPaintBlockedMs),
      Math.round(r.drawMs),
      Math.round(r.layoutMs),
      Math.round(r.shapeChangeMs),
      Math.round(r.shapeChangeBlockedMs),
      Math.round(r.burstMs),
      r.burstBatches,
    ]),
  );
}

if (isMain(import.meta.url)) {
  const results = await runDashboardBench({ sizes: [100, 1000], runs: 3 });
  printSection('Dashboard: first paint of a large DAG, and a change of its shape (headless Chromium)', dashboardReport(results));
}
