/**
 * `dendrite run --ui` of the orchestrator example, watched in a real headless Chromium: the
 * agents are gated (test/fixtures/agents/gated.mjs), so the test decides when each Task ends
 * and reads the page in between — both research Tasks go Succeeded while synthesize-design
 * waits, then it runs and succeeds; its panel shows the prompt it received, with the research
 * outputs in it. The screenshot must show a drawn page (DENDRITE_UPDATE_SCREENSHOT=1 also
 * writes it to docs/dashboard.png for the README).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshotInk } from '../support/browser.js';
import { cliEnv, EXAMPLE, ROOT, startCli, tempDir, waitFor } from '../cli/cli.js';

const phaseOf = (page: Page, name: string) => page.locator(`[data-key="default/${name}"]`).getAttribute('data-phase');

async function waitForPhase(page: Page, name: string, phase: string): Promise<void> {
  await page.waitForSelector(`[data-key="default/${name}"][data-phase="${phase}"]`, { timeout: 20_000 });
}

test('the dashboard of dendrite run --ui follows the orchestrator example live, and shows what synthesize-design was asked', async (t) => {
  const gates = tempDir('dendrite-gates-');
  const agent = [process.execPath, join(ROOT, 'test/fixtures/agents/gated.mjs'), gates].map((w) => JSON.stringify(w)).join(' ');
  const running = startCli(['run', EXAMPLE, '--agent', agent, '--ui'], cliEnv());
  t.after(() => running.child.kill('SIGKILL'));
  const url = await waitFor('the dashboard URL', () => /the dashboard is at (http:\/\/127\.0\.0\.1:\d+\/ui\/)/.exec(running.output())?.[1], 30_000);

  const browser = await launchBrowser();
  t.after(() => browser.close());
  const { page, errors } = await browser.open(url, { width: 1280, height: 720 });

  // Both research agents are running (held at their gates); synthesize-design waits for them.
  await waitFor('both research agents to start', () => existsSync(join(gates, 'research-api-design.started')) && existsSync(join(gates, 'research-data-model.started')), 30_000);
  await waitForPhase(page, 'research-api-design', 'Running');
  await waitForPhase(page, 'research-data-model', 'Running');
  assert.equal(await phaseOf(page, 'synthesize-design'), 'Waiting');
  await page.click('[data-key="default/synthesize-design"]');
  const why = page.locator('section[aria-label="Why it waits"]');
  await why.waitFor();
  assert.match(await why.innerText(), /research-api-design — not succeeded yet/);
  assert.match(await why.innerText(), /research-data-model — not succeeded yet/);

  // One research Task succeeds: the other is still awaited, by name.
  writeFileSync(join(gates, 'research-api-design'), '');
  await waitForPhase(page, 'research-api-design', 'Succeeded');
  assert.equal(await phaseOf(page, 'synthesize-design'), 'Waiting');
  await page.waitForFunction(() => document.querySelectorAll('section[aria-label="Why it waits"] li').length === 1);
  assert.equal(await why.locator('li').innerText(), 'research-data-model — not succeeded yet');

  // Both succeeded, synthesize-design still unfinished (its agent held at its gate).
  writeFileSync(join(gates, 'research-data-model'), '');
  await waitForPhase(page, 'research-data-model', 'Succeeded');
  await waitFor('synthesize-design to start', () => existsSync(join(gates, 'synthesize-design.started')), 30_000);
  await waitForPhase(page, 'synthesize-design', 'Running');
  assert.equal(await phaseOf(page, 'research-api-design'), 'Succeeded');
  assert.equal(await page.locator('.count[data-phase="Succeeded"]').innerText(), 'Succeeded 2');

  writeFileSync(join(gates, 'synthesize-design'), '');
  await waitForPhase(page, 'synthesize-design', 'Succeeded');
  assert.equal(await page.locator('.count[data-phase="Succeeded"]').innerText(), 'Succeeded 3');

  // Its panel (open all along, refreshed with each change): the prompt it received holds the research outputs.
  await page.locator('[data-testid="detail-phase"]', { hasText: 'Succeeded' }).waitFor();
  const prompt = page.getByLabel('Rendered prompt');
  await prompt.waitFor();
  const text = await prompt.innerText();
  assert.match(text, /- GET \/projects - list projects \(paginated\)/);
  assert.match(text, /Schema: Project\(id, name\) 1-n Task/);
  await page.getByLabel('Agent log').waitFor();
  assert.match(await page.getByLabel('Agent log').innerText(), /---AXON_OUTPUTS_START---/);
  assert.match(await page.locator('pre[aria-label="Outputs"]').innerText(), /design: 5 endpoints checked against the data model/);

  // Keyboard: Escape closes the panel, Tab reaches a node, Enter opens it.
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#details').isHidden(), true);
  await page.locator('[data-key="default/synthesize-design"]').focus();
  await page.keyboard.press('Enter');
  await page.locator('#detail-title', { hasText: 'synthesize-design' }).waitFor();
  await page.getByLabel('Rendered prompt').waitFor();
  const label = await page.locator('[data-key="default/research-data-model"]').getAttribute('aria-label');
  assert.match(label ?? '', /^Task research-data-model: Succeeded · claude-code/);

  assert.equal(await page.locator('body').getAttribute('data-layout-place'), 'worker', 'laid out in the worker, not by the fallback');
  await page.click('#fit');
  const png = await page.screenshot();
  const ink = await screenshotInk(browser.context, png);
  assert.ok(ink.inked > 0.03 && ink.colours > 20, `the screenshot looks blank: ${JSON.stringify(ink)}`);
  if (process.env.DENDRITE_UPDATE_SCREENSHOT === '1') writeFileSync(join(ROOT, 'docs/dashboard.png'), png);
  assert.deepEqual(errors, []);

  // The run is over but the page stays until Ctrl-C; the run's outcome is the exit code.
  await waitFor('the run to end', () => running.output().includes('the dashboard stays at'), 20_000);
  running.child.kill('SIGINT');
  const result = await running.result;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /3 Tasks in .*: 3 succeeded/);
});
