// The native nunjucks dialect: same data as the Go dialect, nunjucks's own syntax and filters,
// errors with positions, compiled once per distinct template.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkTemplate, renderPrompt, TemplateError, TemplateData } from '../../shared/template/index.js';

const data: TemplateData = {
  Deps: {
    'research-api-design': { Outputs: ['REST over gRPC', 'cursor pagination'], Results: { summary: 'REST' }, Name: 'research-api-design' },
    'research-data-model': { Outputs: null, Results: { schema: 'users(id, name)' }, Name: 'research-data-model' },
  },
};

const render = (t: string): string => renderPrompt(t, 'nunjucks', data);

describe('nunjucks dialect', () => {
  it('renders the seed prompt written in nunjucks', () => {
    const t =
      '{% for o in Deps["research-api-design"].Outputs %}- {{ o }}\n{% endfor %}\n' +
      'Schema: {{ Deps["research-data-model"].Results.schema }}\n';
    assert.equal(render(t), '- REST over gRPC\n- cursor pagination\n\nSchema: users(id, name)\n');
  });

  it('offers the same data: Outputs, Results and Name per dependency', () => {
    assert.equal(render('{% for name, d in Deps %}{{ name }}={{ d.Name }} {% endfor %}'), 'research-api-design=research-api-design research-data-model=research-data-model ');
    assert.equal(render('{{ Deps["research-data-model"].Outputs | length }}|{{ Deps["research-api-design"].Results.summary }}'), '0|REST');
  });

  it('has nunjucks filters, tests, set, macros and loops', () => {
    assert.equal(render('{{ Deps["research-api-design"].Outputs | join("; ") | upper }}'), 'REST OVER GRPC; CURSOR PAGINATION');
    assert.equal(render('{% set n = Deps["research-api-design"].Outputs | length %}{{ n * 2 }}'), '4');
    assert.equal(render('{% macro item(x) %}<{{ x }}>{% endmacro %}{% for o in Deps["research-api-design"].Outputs %}{{ item(o) }}{% endfor %}'), '<REST over gRPC><cursor pagination>');
    assert.equal(render('{% for i in range(3) %}{{ loop.index }}{% if not loop.last %},{% endif %}{% endfor %}'), '1,2,3');
    assert.equal(render('{{ 6 is divisibleby(3) }}|{{ missing | default("none") }}'), 'true|none');
    assert.equal(render('{% set c = cycler("a", "b") %}{{ c.next() }}{{ c.next() }}{{ c.next() }}|{% set j = joiner("-") %}{{ j() }}x{{ j() }}y'), 'aba|x-y');
  });

  it('does not autoescape: prompts are plain text', () => {
    const d: TemplateData = { Deps: { x: { Outputs: ['<b>&"\''], Results: null, Name: 'x' } } };
    assert.equal(renderPrompt('{{ Deps.x.Outputs[0] }}', 'nunjucks', d), '<b>&"\'');
  });

  it('does not let a template modify the caller\'s data', () => {
    const d: TemplateData = { Deps: { x: { Outputs: ['b', 'a'], Results: null, Name: 'x' } } };
    renderPrompt('{{ Deps.x.Outputs | sort | join }}{{ Deps.x.Outputs | reverse | join }}', 'nunjucks', d);
    assert.deepEqual(d.Deps.x!.Outputs, ['b', 'a']);
  });

  it('reports parse errors with line and column at check time', () => {
    assert.throws(
      () => checkTemplate('line one\n{% for x in %}{% endfor %}', 'nunjucks'),
      (e: unknown) => e instanceof TemplateError && e.stage === 'parse' && /^template: prompt:2:\d+: /.test(e.message) && e.line === 2,
    );
    assert.throws(() => checkTemplate('{{ x | nosuchfilter }}', 'nunjucks'), (e: unknown) => e instanceof TemplateError && /unknown filter "nosuchfilter"/.test(e.message));
    checkTemplate('{% for o in Deps.x.Outputs %}{{ o }}{% endfor %}', 'nunjucks');
  });

  it('reports execution errors with the position', () => {
    assert.throws(
      () => render('ok\n{{ Deps.nope.Outputs.foo() }}'),
      (e: unknown) => e instanceof TemplateError && e.stage === 'execute' && /^template: prompt:2:\d+: /.test(e.message),
    );
  });
});
