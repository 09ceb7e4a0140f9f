/**
 * A real headless Chromium for the dashboard's tests and benchmark: Debian's `chromium`
 * driven by playwright-core (which never downloads a browser here), with a fresh profile per
 * launch. A missing browser is a failure, not a skip: `.ci/run` installs it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  /** A new page whose console errors and uncaught exceptions are collected in `errors`. */
  open(url: string, viewport?: { width: number; height: number }): Promise<{ page: Page; errors: string[] }>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no browser at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium; .ci/run does)`);
  }
  // launchPersistentContext is how playwright takes a --user-data-dir of our own: a fresh one.
  const profile = mkdtempSync(join(tmpdir(), 'dendrite-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 720 } });
  return {
    context,
    async open(url, viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
      await page.goto(url);
      return { page, errors };
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * How much of a screenshot is drawn: the share of pixels that are not the background's colour
 * and the number of distinct colours, measured by the browser itself on a blank page.
 */
export async function screenshotInk(context: BrowserContext, png: Buffer): Promise<{ inked: number; colours: number }> {
  const page = await context.newPage();
  try {
    return await page.evaluate(async (data) => {
      const image = new Image();
      image.src = `data:image/png;base64,${data}`;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.width;
      canvas.height = image.height;
      const g = canvas.getContext('2d');
      if (!g) throw new Error('no 2d context');
      g.drawImage(image, 0, 0);
      const pixels = g.getImageData(0, 0, image.width, image.height).data;
      const background = `${pixels[0]},${pixels[1]},${pixels[2]}`;
      const colours = new Set<string>();
      let inked = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        const colour = `${pixels[i]},${pixels[i + 1]},${pixels[i + 2]}`;
        colours.add(colour);
        if (colour !== background) inked++;
      }
      return { inked: inked / (pixels.length / 4), colours: colours.size };
    }, png.toString('base64'));
  } finally {
    await page.close();
  }
}
