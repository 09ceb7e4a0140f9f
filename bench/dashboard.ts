/**
 * The dashboard page on a large DAG, in real headless Chromium: the real server and page
 * (dist/ui) over a source of made-up Tasks (test/support/dashboard-dag.ts), a layered DAG of
 * N Tasks, each depending on up to three of the layer before. Measured per size, over fresh
 * page loads: first paint (navigation → every node drawn at its laid-out place, which includes
 * fetching the snapshot over Server-Sent Events and the layout), the page's own time for that
 * batch and the layout's share of it, and a burst of N phase changes: time until all are painted and
 * how many batches that took.
 */
import { launchBrowser } from '../test/support/browser.js';
import { layeredDag, memorySource, serveSource } from '../test/support/dashboard-dag.js';
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
  pageBatchMs: number;
  layoutMs: number;
  burstMs: number;
  burstBatches: number;
}

export async function runDashboardBench(options: DashboardBenchOptions): Promise<DashboardFigures[]> {
  const browser = await launchBrowser();
  const results: DashboardFigures[] = [];
  try {
    for (const size of options.sizes) {
      const tasks = layeredDag(size);
      const firstPaint: number[] = [];
      const pageBatch: number[] = [];
      const layout: number[] = [];
      const burst: number[] = [];
      const batches: number[] = [];
      for (let run = 0; run < options.runs; run++) {
        const source = memorySource(tasks);
        const server = await serveSource(source);
        try {
          const started = performance.now();
          const { page, errors } = await browser.open(server.pageUrl);
          await page.waitForSelector(`body[data-tasks="${size}"]`, { timeout: 120_000 });
          firstPaint.push(performance.now() - started);
          pageBatch.push(Number(await page.locator('body').getAttribute('data-last-paint-ms')));
          layout.push(Number(await page.locator('body').getAttribute('data-last-layout-ms')));
          const before = Number(await page.locator('body').getAttribute('data-batches'));
          const burstStarted = performance.now();
          for (const task of tasks) source.set({ ...task, phase: 'Succeeded' });
          await page.waitForSelector(`.count[data-phase="Succeeded"]:text-is("Succeeded ${size}")`, { timeout: 120_000 });
          burst.push(performance.now() - burstStarted);
          batches.push(Number(await page.locator('body').getAttribute('data-batches')) - before);
          if (errors.length > 0) throw new Error(`console errors: ${errors.join('; ')}`);
          await page.close();
        } finally {
          await server.close();
        }
      }
      results.push({
        tasks: size,
        edges: tasks.reduce((n, t) => n + t.dependsOn.length, 0),
        firstPaintMs: median(firstPaint),
        pageBatchMs: median(pageBatch),
        layoutMs: median(layout),
        burstMs: median(burst),
        burstBatches: median(batches),
      });
    }
  } finally {
    await browser.close();
  }
  return results;
}

export function dashboardReport(results: DashboardFigures[]): string {
  return table(
    ['Tasks', 'edges', 'first paint (ms)', 'of which the page’s batch (ms)', 'of which the layout (ms)', 'burst of N changes painted (ms)', 'batches for the burst'],
    results.map((r) => [r.tasks, r.edges, Math.round(r.firstPaintMs), Math.round(r.pageBatchMs), Math.round(r.layoutMs), Math.round(r.burstMs), r.burstBatches]),
  );
}

if (isMain(import.meta.url)) {
  const results = await runDashboardBench({ sizes: [100, 1000], runs: 3 });
  printSection('Dashboard: first paint of a large DAG (headless Chromium)', dashboardReport(results));
}
