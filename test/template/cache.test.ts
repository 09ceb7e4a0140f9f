// Compiled templates are cached by content, per dialect, in a bounded LRU.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GoEngine } from '../../shared/template/go/engine.js';
import { NunjucksEngine } from '../../shared/template/nunjucks/engine.js';
import { Lru } from '../../shared/template/lru.js';
import { TemplateEngines, renderPrompt } from '../../shared/template/index.js';

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
