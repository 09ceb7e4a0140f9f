// The hostile corpus (hostile-corpus.ts): every entry stops with its limit error, within 3 s,
// with the process's resident memory under 512 MB after each; then the process still renders
// ordinary templates. And the limits leave ordinary templates near them alone.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderPrompt, TemplateError, TemplateData } from '../../shared/template/index.js';
import { HOSTILE_CORPUS, HOSTILE_DATA } from './hostile-corpus.js';

const MAX_MS = 3000;
const MAX_RSS = 512 * 1024 * 1024;

describe('hostile templates stop at a limit, quickly and in bounded memory', () => {
  it('has entries for both dialects, small except the generated huge sources', () => {
    assert.ok(HOSTILE_CORPUS.filter((c) => c.dialect === 'go').length >= 25);
    assert.ok(HOSTILE_CORPUS.filter((c) => c.dialect === 'nunjucks').length >= 50);
    assert.equal(new Set(HOSTILE_CORPUS.map((c) => c.name)).size, HOSTILE_CORPUS.length, 'names are unique');
    for (const c of HOSTILE_CORPUS) {
      if (/source/.test(c.name)) assert.ok(Buffer.byteLength(c.template) > 64 * 1024, c.name);
      else assert.ok(c.template.length < 2048, `${c.name}: ${c.template.length} characters`);
    }
  });

  for (const c of HOSTILE_CORPUS) {
    it(c.name, (t) => {
      const start = performance.now();
      let caught: unknown;
      try {
        renderPrompt(c.template, c.dialect, HOSTILE_DATA);
      } catch (e) {
        caught = e;
      }
      const ms = performance.now() - start;
      const rss = process.memoryUsage().rss;
      t.diagnostic(`${Math.round(ms)} ms, rss ${Math.round(rss / 2 ** 20)} MB`);
      assert.ok(caught instanceof TemplateError, `not a TemplateError: ${String(caught)}`);
      assert.equal(caught.stage, 'limit', caught.message);
      assert.match(caught.message, c.expect);
      assert.ok(ms < MAX_MS, `took ${Math.round(ms)} ms`);
      assert.ok(rss < MAX_RSS, `rss ${Math.round(rss / 2 ** 20)} MB`);
    });
  }

  it('afterwards the process renders ordinary templates as before', () => {
    assert.equal(renderPrompt('{{ range .Deps.h.Outputs }}{{ . }},{{ end }}', 'go', HOSTILE_DATA).split(',').length, 65);
    assert.equal(renderPrompt('{{ Deps.h.Outputs | join(",") | upper }}', 'nunjucks', HOSTILE_DATA).slice(0, 6), 'O0,O1,');
  });
});

describe('the limits leave ordinary templates near them alone', () => {
  const data: TemplateData = HOSTILE_DATA;

  it('nesting up to the depth limit renders', () => {
    assert.equal(renderPrompt('{{if 1}}'.repeat(98) + '{{ .Deps.h.Name }}' + '{{end}}'.repeat(98), 'go', data), 'h');
    assert.equal(renderPrompt('{{ ' + '('.repeat(98) + '1' + ')'.repeat(98) + ' }}', 'go', data), '1');
    assert.equal(renderPrompt('{%if 1%}'.repeat(98) + '{{ Deps.h.Name }}' + '{%endif%}'.repeat(98), 'nunjucks', data), 'h');
    assert.equal(renderPrompt('{{ ' + '('.repeat(98) + '1' + ')'.repeat(98) + ' }}', 'nunjucks', data), '1');
  });

  it('long chains of ~, +, or and and are one level, whatever their length', () => {
    const n = 2000;
    assert.equal(renderPrompt('{{ ' + Array.from({ length: n }, (_, i) => `"${i % 10}"`).join(' ~ ') + ' }}', 'nunjucks', data).length, n);
    assert.equal(renderPrompt('{{ ' + Array(n).fill('1').join(' + ') + ' }}', 'nunjucks', data), String(n));
    assert.equal(renderPrompt('{{ ' + Array(n).fill('0').join(' or ') + ' or "last" }}', 'nunjucks', data), 'last');
    assert.equal(renderPrompt('{{ ' + Array(n).fill('1').join(' and ') + ' and "last" }}', 'nunjucks', data), 'last');
    assert.equal(renderPrompt('{{ 1 + 2 ~ "a" ~ 3 + 4 }}', 'nunjucks', data), '3a7');
  });

  it('recursion below the depth limit renders', () => {
    const t = '{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{% else %}done{% endif %}{% endmacro %}{{ f(90) }}';
    assert.equal(renderPrompt(t, 'nunjucks', data), 'done');
  });

  it('a value just under the value limit can be built and cut down', () => {
    assert.equal(renderPrompt('{{ $s := printf "%1048575d" 1 }}{{ slice $s 1048570 }}', 'go', data), '    1');
    assert.equal(renderPrompt('{% set s = "x" | center(1048576) %}{{ s | length }}', 'nunjucks', data), '1048576');
  });

  it('a string accumulated piece by piece, 20 KB in 1000 steps, renders', () => {
    const go = '{{ $s := "" }}{{ range .Deps.h.Outputs }}{{ range slice $.Deps.h.Outputs 0 16 }}{{ $s = print $s "xxxxxxxxxxxxxxxxxxxx" }}{{ end }}{{ end }}{{ len $s }}';
    assert.equal(renderPrompt(go, 'go', data), String(64 * 16 * 20));
    const njk = '{% set s = "" %}{% for i in range(1000) %}{% set s = s ~ "xxxxxxxxxxxxxxxxxxxx" %}{% endfor %}{{ s | length }}';
    assert.equal(renderPrompt(njk, 'nunjucks', data), '20000');
  });

  it('a source of exactly the source limit renders', () => {
    assert.equal(renderPrompt('x'.repeat(64 * 1024), 'nunjucks', data).length, 64 * 1024);
  });
});
