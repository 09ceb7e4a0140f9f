// The isolated renderer: the same answers as the engines in process, and whatever a template
// does in the render process, the caller keeps serving.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createInProcessRenderer,
  TemplateError,
  type IsolatedRendererOptions,
  type PromptRenderer,
  type TemplateData,
} from '../../shared/template/index.js';
import { isolatedRenderer, RENDER_PROCESS_ENTRY } from '../support/renderer.js';

const data: TemplateData = {
  Deps: {
    a: { Outputs: ['one', 'two'], Results: { k: 'v' }, Name: 'a' },
    b: { Outputs: null, Results: null, Name: 'b' },
  },
};

const isLimit = (re: RegExp) => (e: unknown) => e instanceof TemplateError && e.stage === 'limit' && re.test(e.message);

describe('isolated renderer', () => {
  const renderer = isolatedRenderer({ graceMs: 100 });
  after(() => renderer.close());

  it('renders and inspects exactly as the engines do in process', async () => {
    const local = createInProcessRenderer();
    const templates: Array<[string, 'go' | 'nunjucks']> = [
      ['{{ range .Deps.a.Outputs }}- {{ . }}\n{{ end }}{{ index .Deps "a" "Results" "k" }}', 'go'],
      ['{{ printf "%q %v" .Deps.a.Name .Deps.b.Outputs }}', 'go'],
      ['{% for o in Deps.a.Outputs %}{{ o | upper }}{% endfor %}', 'nunjucks'],
    ];
    for (const [t, dialect] of templates) {
      assert.equal(await renderer.render(t, dialect, data), await local.render(t, dialect, data));
      assert.deepEqual(await renderer.inspect(t, dialect), await local.inspect(t, dialect));
    }
  });

  it('rejects with the engine\'s TemplateError, stage and position intact', async () => {
    await assert.rejects(renderer.render('x\n{{ .Deps.nope.Outputs }}', 'go', data), (e: unknown) => {
      assert.ok(e instanceof TemplateError);
      assert.equal(e.stage, 'execute');
      assert.equal(e.line, 2);
      assert.match(e.message, /map has no entry for key "nope"/);
      return true;
    });
    await assert.rejects(renderer.inspect('{{ if }}', 'go'), (e: unknown) => e instanceof TemplateError && e.stage === 'parse');
  });

  it('kills a render that overruns its time limit, and renders the next request on a new process', async () => {
    const r = misbehaving({ graceMs: 50 });
    try {
      const started = Date.now();
      await assert.rejects(r.render('spin', 'go', data, { timeoutMs: 100 }), isLimit(/took longer than the time limit of 100 ms and was stopped/));
      assert.ok(Date.now() - started < 3_000, 'stopped near its limit');
      assert.equal(await r.render('next', 'go', data), 'next');
    } finally {
      await r.close();
    }
  });

  it('a render process that dies once is started again and the request retried; dying twice is the template\'s doing', async () => {
    const exits: string[] = [];
    const r = misbehaving({ onProcessExit: ({ cause }) => exits.push(cause) });
    try {
      const marker = join(mkdtempSync(join(tmpdir(), 'dendrite-render-')), 'died');
      assert.equal(await r.render(`abort-once:${marker}`, 'go', data), 'recovered');
      await assert.rejects(r.render('abort', 'go', data), isLimit(/render process crashed \(signal SIGABRT\)/));
      await assert.rejects(r.render('oom', 'go', data), isLimit(/ran out of its 32 MiB of memory/));
      assert.equal(await r.render('still serving', 'go', data), 'still serving');
      assert.deepEqual(exits, ['crash', 'crash', 'crash', 'crash', 'crash']);
    } finally {
      await r.close();
    }
  });

  it('the real render process, out of memory, is a limit breach and the next render works', async () => {
    const small = isolatedRenderer({ maxMemoryMb: 16 });
    try {
      // 64 MiB of dependency outputs cannot even be read into a 16 MiB heap.
      const huge: TemplateData = { Deps: { a: { Outputs: Array.from({ length: 64 }, () => 'x'.repeat(1 << 20)), Results: null, Name: 'a' } } };
      await assert.rejects(small.render('{{ len .Deps.a.Outputs }}', 'go', huge), isLimit(/render process (ran out of its 16 MiB of memory|crashed)/));
      assert.equal(await small.render('{{ .Deps.a.Name }}', 'go', data), 'a');
    } finally {
      await small.close();
    }
  });

  it('answers requests made at once, in order, each with its own result', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => renderer.render(`{{ print ${i} .Deps.a.Name }}`, 'go', data)),
    );
    assert.deepEqual(results, Array.from({ length: 50 }, (_, i) => `${i}a`));
  });

  it('a render process that cannot start is a transient fault, not the template\'s', async () => {
    const broken = isolatedRenderer({ entry: new URL('./no-such-child.js', RENDER_PROCESS_ENTRY) });
    try {
      await assert.rejects(broken.render('{{ 1 }}', 'go', data), (e: unknown) => {
        assert.ok(!(e instanceof TemplateError), 'not blamed on the template');
        assert.equal((e as Error).name, 'TransientError');
        assert.match((e as Error).message, /render process did not start/);
        return true;
      });
    } finally {
      await broken.close();
    }
  });

  it('after close, every request is refused as transient', async () => {
    const r = isolatedRenderer();
    assert.equal(await r.render('{{ 1 }}', 'go', data), '1');
    await r.close();
    await assert.rejects(r.render('{{ 1 }}', 'go', data), (e: unknown) => (e as Error).name === 'TransientError');
  });
});

/** A render process that spins, aborts or exhausts its heap when told to (test/fixtures/render). */
function misbehaving(options: Partial<IsolatedRendererOptions> = {}): PromptRenderer {
  return isolatedRenderer({ entry: new URL('../../../test/fixtures/render/misbehaving-child.mjs', import.meta.url), maxMemoryMb: 32, ...options });
}
