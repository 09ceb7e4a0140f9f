// Render budgets: time and output size, both dialects, defaults and overrides. Breaches are
// TemplateErrors with stage 'limit'; no timing is asserted beyond "it stopped with that error".
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RENDER_LIMITS, renderPrompt, TemplateError, TemplateData } from '../../shared/template/index.js';

const many = Array.from({ length: 2000 }, (_, i) => `line ${i}`);
const data: TemplateData = { Deps: { big: { Outputs: many, Results: { k: 'v' }, Name: 'big' } } };

function isLimit(re: RegExp) {
  return (e: unknown): boolean => e instanceof TemplateError && e.stage === 'limit' && re.test(e.message);
}

describe('render limits', () => {
  it('defaults to 1 s and 256 KiB', () => {
    assert.deepEqual(DEFAULT_RENDER_LIMITS, { timeoutMs: 1000, maxOutputBytes: 256 * 1024 });
  });

  it('Go: a render that runs past the time limit stops with a limit error', () => {
    const t = '{{ range .Deps.big.Outputs }}{{ range $.Deps.big.Outputs }}{{ range $.Deps.big.Outputs }}{{ end }}{{ end }}{{ end }}';
    assert.throws(() => renderPrompt(t, 'go', data, { timeoutMs: 50 }), isLimit(/time limit of 50 ms/));
  });

  it('Go: output beyond the limit stops with a limit error, also for literal text in loops', () => {
    assert.throws(
      () => renderPrompt('{{ range .Deps.big.Outputs }}{{ . }}{{ end }}', 'go', data, { maxOutputBytes: 1000 }),
      isLimit(/output limit of 1000 bytes/),
    );
    assert.throws(
      () => renderPrompt('{{ range .Deps.big.Outputs }}{{ range $.Deps.big.Outputs }}xxxxxxxxxx{{ end }}{{ end }}', 'go', data),
      isLimit(/output limit of 262144 bytes/),
    );
    assert.throws(() => renderPrompt('{{ printf "%100000d" 1 }}', 'go', data, { maxOutputBytes: 1000 }), isLimit(/output limit/));
  });

  it('Go: the size limit counts UTF-8 bytes', () => {
    const d: TemplateData = { Deps: { u: { Outputs: ['é'.repeat(600)], Results: null, Name: 'u' } } };
    assert.equal(renderPrompt('{{ index .Deps.u.Outputs 0 }}', 'go', d, { maxOutputBytes: 1200 }).length, 600);
    assert.throws(() => renderPrompt('{{ index .Deps.u.Outputs 0 }}', 'go', d, { maxOutputBytes: 1199 }), isLimit(/output limit/));
  });

  it('limits are configurable: the same template passes with a larger budget', () => {
    const out = renderPrompt('{{ range .Deps.big.Outputs }}{{ . }}{{ end }}', 'go', data, { maxOutputBytes: 1 << 20 });
    assert.equal(out.length, many.join('').length);
  });

  it('nunjucks: time, output and per-call work are bounded', () => {
    assert.throws(
      () => renderPrompt('{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}', 'nunjucks', data, { timeoutMs: 50 }),
      isLimit(/time limit of 50 ms/),
    );
    assert.throws(
      () => renderPrompt('{% for a in range(100000) %}xxxxxxxxxx{% endfor %}', 'nunjucks', data, { maxOutputBytes: 5000 }),
      isLimit(/output limit of 5000 bytes/),
    );
    assert.throws(() => renderPrompt('{{ Deps.big.Outputs | join(",") }}', 'nunjucks', data, { maxOutputBytes: 100 }), isLimit(/output limit/));
    assert.throws(() => renderPrompt('{{ "x" | center(1000000000) }}', 'nunjucks', data), isLimit(/output limit/));
    assert.throws(() => renderPrompt('{{ "a\nb" | indent(1000000000) }}', 'nunjucks', data), isLimit(/output limit/));
    assert.throws(() => renderPrompt('{{ [1] | batch(1000000000, 0) }}', 'nunjucks', data), isLimit(/output limit/));
    assert.throws(() => renderPrompt('{{ [1] | slice(1000000000) }}', 'nunjucks', data), isLimit(/output limit/));
    assert.throws(
      () => renderPrompt('{% set s = "xxxxxxxxxx" %}{% for i in range(30) %}{% set s = s ~ s %}{% endfor %}{{ s }}', 'nunjucks', data),
      (e: unknown) => e instanceof TemplateError && e.stage === 'limit',
    );
  });

  it('nunjucks: unbounded recursion is a limit error, not a crash', () => {
    assert.throws(
      () => renderPrompt('{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}', 'nunjucks', data),
      (e: unknown) => e instanceof TemplateError && e.stage === 'limit',
    );
  });

  it('a template nested too deeply to compile is a parse error, not a crash', () => {
    const n = 20000;
    for (const [t, d] of [
      ['{{ ' + '('.repeat(n) + '1' + ')'.repeat(n) + ' }}', 'go'],
      ['{{ if 1 }}'.repeat(n) + 'x' + '{{ end }}'.repeat(n), 'go'],
      ['{% if 1 %}'.repeat(n) + 'x' + '{% endif %}'.repeat(n), 'nunjucks'],
    ] as const) {
      assert.throws(
        () => renderPrompt(t, d, data),
        (e: unknown) => e instanceof TemplateError && e.stage === 'parse' && /nested too deeply/.test(e.message),
      );
    }
  });

  it('rejects nonsensical limits', () => {
    assert.throws(() => renderPrompt('x', 'go', data, { timeoutMs: 0 }), RangeError);
    assert.throws(() => renderPrompt('x', 'go', data, { maxOutputBytes: -1 }), RangeError);
  });
});
