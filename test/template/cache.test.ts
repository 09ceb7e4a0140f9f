// Compiled templates are cached by content, per dialect, in a bounded LRU.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GoEngine } from '../../shared/template/go/engine.js';
import { NunjucksEngine } from '../../shared/template/nunjucks/engine.js';
import { CACHE_BYTES, Lru } from '../../shared/template/lru.js';
import { DEFAULT_RENDER_LIMITS, TemplateEngines, renderPrompt } from '../../shared/template/index.js';

describe('template cache', () => {
  it('Go: the same text is parsed and compiled once', () => {
    const e = new GoEngine(4);
    const a = e.prepare('{{ .Deps }}');
    assert.equal(e.prepare('{{ .Deps }}'), a);
    assert.notEqual(e.prepare('{{ .Deps }} '), a);
  });

  it('nunjucks: the same text is compiled once', () => {
    const e = new NunjucksEngine(4);
    const a = e.prepare('{{ Deps }}');
    assert.equal(e.prepare('{{ Deps }}'), a);
    assert.notEqual(e.prepare('{{ Deps }} '), a);
  });

  it('evicts the least recently used entry beyond capacity', () => {
    const lru = new Lru<number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    assert.equal(lru.get('a'), 1);
    lru.set('c', 3);
    assert.equal(lru.get('b'), undefined);
    assert.equal(lru.get('a'), 1);
    assert.equal(lru.get('c'), 3);
    assert.equal(lru.size, 2);
  });

  it('is also bounded by weight: the heaviest fall out first, one heavier than the budget is not kept', () => {
    const lru = new Lru<number>(10, 100);
    lru.set('a', 1, 60);
    lru.set('b', 2, 30);
    assert.equal(lru.weight, 90);
    lru.set('c', 3, 20); // 110 > 100: the least recently used ('a') goes
    assert.equal(lru.get('a'), undefined);
    assert.equal(lru.weight, 50);
    lru.set('huge', 4, 101);
    assert.equal(lru.get('huge'), undefined);
    assert.deepEqual([lru.get('b'), lru.get('c'), lru.size, lru.weight], [2, 3, 2, 50]);
    lru.set('b', 5, 10); // replacing an entry replaces its weight
    assert.equal(lru.weight, 30);
  });

  it('a template that would keep tens of MB compiled is rendered but not cached; small ones are', () => {
    const e = new GoEngine(4);
    const big = '{{ $a := 1 }}'.repeat(20_000); // 100k syntax nodes: ~36 MB when compiled
    const roomy = { ...DEFAULT_RENDER_LIMITS, maxSourceBytes: 1 << 20 };
    assert.notEqual(e.prepare(big, roomy), e.prepare(big, roomy));
    assert.equal(e.prepare('{{ 1 }}'), e.prepare('{{ 1 }}'));
  });

  it('distinct large templates cannot fill the process: the cache keeps at most its budget', () => {
    const n = new NunjucksEngine(64);
    const cache = (n as unknown as { cache: Lru<unknown> }).cache;
    const roomy = { ...DEFAULT_RENDER_LIMITS, maxSourceBytes: 1 << 20 };
    for (let i = 0; i < 6; i++) n.prepare(`{{ ${i} }}` + '{{ x ~ y }}'.repeat(23_000), roomy); // ~9 MB of compiled code each
    assert.ok(cache.size < 6, `${cache.size} kept`);
    assert.ok(cache.weight <= CACHE_BYTES, `${cache.weight} > ${CACHE_BYTES}`);
  });

  it('a bounded engine keeps working past its capacity', () => {
    const e = new GoEngine(2);
    for (let i = 0; i < 10; i++) e.prepare(`{{ ${i} }}`);
    const x = e.prepare('{{ 9 }}');
    assert.equal(e.prepare('{{ 9 }}'), x);
  });

  it('TemplateEngines gives injectable engines with their own caches that render like the shared ones', () => {
    const r = new TemplateEngines(8);
    const data = { Deps: { x: { Outputs: ['a'], Results: null, Name: 'x' } } };
    assert.equal(r.render('{{ .Deps.x.Outputs }}', 'go', data), renderPrompt('{{ .Deps.x.Outputs }}', 'go', data));
    assert.equal(r.render('{{ Deps.x.Outputs[0] }}', 'nunjucks', data), 'a');
    assert.throws(() => r.inspect('{{ if }}', 'go'), /missing value for if/);
  });
});
