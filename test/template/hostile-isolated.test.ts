// The hostile corpus through the renderer the functions and the CLI use: every entry renders in
// the render process and comes back as its limit error, the render process's peak memory stays
// bounded, and the process that asked (this one) never does the work.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TemplateError } from '../../shared/template/index.js';
import { isolatedRenderer } from '../support/renderer.js';
import { HOSTILE_CORPUS, HOSTILE_DATA } from './hostile-corpus.js';

const MAX_MS = 5000;
const MAX_PEAK_RSS = 512 * 1024 * 1024;

/** This process's children: the render process is one. */
function children(): number[] {
  try {
    return readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Peak resident memory of a process so far (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

describe('hostile templates in the render process', () => {
  const renderer = isolatedRenderer();
  after(() => renderer.close());
  const before = new Set(children());
  let renderPid: number | undefined;

  for (const c of HOSTILE_CORPUS) {
    it(c.name, async (t) => {
      const ownRss = process.memoryUsage().rss;
      const start = performance.now();
      let caught: unknown;
      try {
        // Parse-time limits answer inspection; everything else, the render.
        await renderer.inspect(c.template, c.dialect);
        await renderer.render(c.template, c.dialect, HOSTILE_DATA);
      } catch (e) {
        caught = e;
      }
      const ms = performance.now() - start;
      renderPid ??= children().find((pid) => !before.has(pid));
      const peak = renderPid ? peakRss(renderPid) : 0;
      t.diagnostic(`${Math.round(ms)} ms, render process peak ${Math.round(peak / 2 ** 20)} MB`);
      assert.ok(caught instanceof TemplateError, `not a TemplateError: ${String(caught)}`);
      assert.equal(caught.stage, 'limit', caught.message);
      assert.match(caught.message, c.expect);
      assert.ok(ms < MAX_MS, `took ${Math.round(ms)} ms`);
      assert.ok(peak < MAX_PEAK_RSS, `render process peak ${Math.round(peak / 2 ** 20)} MB`);
      // The asking process did none of the work.
      assert.ok(process.memoryUsage().rss - ownRss < 64 * 1024 * 1024, 'the caller stayed small');
    });
  }

  it('the render process found above is the one doing the work, and still serves', async () => {
    assert.ok(renderPid, 'a render process ran');
    assert.equal(await renderer.render('{{ len .Deps.h.Outputs }}', 'go', HOSTILE_DATA), '64');
  });
});
