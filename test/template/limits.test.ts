// Render budgets: time, output, source size, depth and built values, both dialects, defaults
// and overrides. Breaches are TemplateErrors with stage 'limit'; no timing is asserted beyond
// "it stopped with that error" (hostile.test.ts bounds the time of hostile templates).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RENDER_LIMITS, renderPrompt, TemplateError, TemplateData } from '../../shared/template/index.js';

const many = Array.from({ length: 2000 }, (_, i) => `line ${i}`);
const data: TemplateData = { Deps: { big: { Outputs: many, Results: { k: 'v' }, Name: 'big' } } };

function isLimit(re: RegExp) {
  return (e: unknown): boolean => e instanceof TemplateError && e.stage === 'limit' && re.test(e.message);
}

describe('render limits', () => {
  it('defaults to 1 s, 256 KiB of output, 64 KiB of source, depth 100, 1 MiB values, 32 MiB built in all', () => {
    assert.deepEqual(DEFAULT_RENDER_LIMITS, {
      timeoutMs: 1000,
      maxOutputBytes: 256 * 1024,
      maxSourceBytes: 64 * 1024,
      maxDepth: 100,
      maxValueBytes: 1024 * 1024,
      maxProducedBytes: 32 * 1024 * 1024,
    });
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
      () =>
        renderPrompt(
          '{% for a in Deps.big.Outputs %}{% for b in Deps.big.Outputs %}{% for c in Deps.big.Outputs %}{% endfor %}{% endfor %}{% endfor %}',
          'nunjucks',
          data,
          { timeoutMs: 50 },
        ),
      isLimit(/time limit of 50 ms/),
    );
    assert.throws(
      () => renderPrompt('{% for a in range(100000) %}xxxxxxxxxx{% endfor %}', 'nunjucks', data, { maxOutputBytes: 5000 }),
      isLimit(/output limit of 5000 bytes/),
    );
    assert.throws(() => renderPrompt('{{ Deps.big.Outputs | join(",") }}', 'nunjucks', data, { maxOutputBytes: 100 }), isLimit(/output limit/));
    // Filters whose arguments ask for huge results are refused before building them.
    assert.throws(() => renderPrompt('{{ "x" | center(1000000000) }}', 'nunjucks', data), isLimit(/value limit/));
    assert.throws(() => renderPrompt('{{ "a\nb" | indent(1000000000) }}', 'nunjucks', data), isLimit(/value limit/));
    assert.throws(() => renderPrompt('{{ [1] | batch(1000000000, "x") }}', 'nunjucks', data), isLimit(/value limit/));
    assert.throws(() => renderPrompt('{{ [1] | slice(1000000000) }}', 'nunjucks', data), isLimit(/value limit/));
    // …but the same filters with a filler that adds nothing are not.
    assert.equal(renderPrompt('{{ [1] | batch(1000000000, 0) | length }}', 'nunjucks', data), '1');
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

  it('a template nested too deeply is refused by the depth limit, not a crash', () => {
    const n = 20000;
    for (const [t, d] of [
      ['{{ ' + '('.repeat(n) + '1' + ')'.repeat(n) + ' }}', 'go'],
      ['{{ if 1 }}'.repeat(n) + 'x' + '{{ end }}'.repeat(n), 'go'],
      ['{% if 1 %}'.repeat(n) + 'x' + '{% endif %}'.repeat(n), 'nunjucks'],
    ] as const) {
      assert.throws(() => renderPrompt(t, d, data, { maxSourceBytes: 1 << 20 }), isLimit(/depth limit of 100 levels/));
    }
  });

  it('the depth limit is configurable and holds for cached templates too', () => {
    const t = '{{ if 1 }}'.repeat(30) + 'x' + '{{ end }}'.repeat(30);
    assert.equal(renderPrompt(t, 'go', data), 'x');
    assert.throws(() => renderPrompt(t, 'go', data, { maxDepth: 20 }), isLimit(/depth limit of 20 levels/));
    const n = '{% if 1 %}'.repeat(30) + 'x' + '{% endif %}'.repeat(30);
    assert.equal(renderPrompt(n, 'nunjucks', data), 'x');
    assert.throws(() => renderPrompt(n, 'nunjucks', data, { maxDepth: 20 }), isLimit(/depth limit of 20 levels/));
  });

  it('a source over the source limit is refused before parsing, in UTF-8 bytes', () => {
    const big = 'x'.repeat(64 * 1024 + 1);
    assert.throws(() => renderPrompt(big, 'go', data), isLimit(/source limit of 65536 bytes/));
    assert.throws(() => renderPrompt(big, 'nunjucks', data), isLimit(/source limit of 65536 bytes/));
    assert.equal(renderPrompt('x'.repeat(64 * 1024), 'go', data).length, 64 * 1024);
    const wide = 'é'.repeat(600);
    assert.throws(() => renderPrompt(wide, 'go', data, { maxSourceBytes: 1199, maxOutputBytes: 1 << 20 }), isLimit(/source limit of 1199 bytes/));
    assert.equal(renderPrompt(wide, 'go', data, { maxSourceBytes: 1200 }), wide);
  });

  it('values are bounded by the value limit, and all of them together by the produced-bytes limit', () => {
    assert.throws(() => renderPrompt('{{ $s := printf "%500d" 1 }}{{ $s = print $s $s }}', 'go', data, { maxValueBytes: 999 }), isLimit(/value limit/));
    assert.equal(renderPrompt('{{ $s := printf "%500d" 1 }}{{ $s = print $s $s }}{{ len $s }}', 'go', data, { maxValueBytes: 1000 }), '1000');
    assert.throws(
      () => renderPrompt('{{ range .Deps.big.Outputs }}{{ $s := printf "%100d" 1 }}{{ end }}', 'go', data, { maxProducedBytes: 100000 }),
      isLimit(/produced-bytes limit/),
    );
    assert.throws(() => renderPrompt('{{ "abcd" | upper }}', 'nunjucks', data, { maxValueBytes: 3 }), isLimit(/more than 3 bytes \(the value limit/));
    assert.equal(renderPrompt('{{ "abcd" | upper }}', 'nunjucks', data, { maxValueBytes: 4 }), 'ABCD');
    assert.throws(
      () => renderPrompt('{% for o in Deps.big.Outputs %}{% set t = o ~ o %}{% endfor %}', 'nunjucks', data, { maxProducedBytes: 1000 }),
      isLimit(/produced-bytes limit/),
    );
  });

  it('rejects nonsensical limits', () => {
    assert.throws(() => renderPrompt('x', 'go', data, { timeoutMs: 0 }), RangeError);
    assert.throws(() => renderPrompt('x', 'go', data, { maxOutputBytes: -1 }), RangeError);
    assert.throws(() => renderPrompt('x', 'go', data, { maxSourceBytes: -1 }), RangeError);
    assert.throws(() => renderPrompt('x', 'go', data, { maxDepth: 0 }), /maxDepth=0/);
    assert.throws(() => renderPrompt('x', 'go', data, { maxDepth: 1.5 }), RangeError);
    assert.throws(() => renderPrompt('x', 'go', data, { maxDepth: 100000 }), RangeError);
    assert.throws(() => renderPrompt('x', 'go', data, { maxValueBytes: Number.NaN }), /maxValueBytes=NaN/);
    assert.throws(() => renderPrompt('x', 'go', data, { maxProducedBytes: -1 }), RangeError);
  });
});
