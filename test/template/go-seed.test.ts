// The seed's template forms in the Go dialect: the shapes every Axon user writes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkTemplate, renderPrompt, renderGoTemplate, TemplateError, TemplateData } from '../../shared/template/index.js';

const data: TemplateData = {
  Deps: {
    'research-api-design': { Outputs: ['REST over gRPC', 'cursor pagination'], Results: { summary: 'REST' }, Name: 'research-api-design' },
    'research-data-model': { Outputs: null, Results: { schema: 'users(id, name)' }, Name: 'research-data-model' },
    x: { Outputs: ['one', 'two'], Results: { key: 'value' }, Name: 'x' },
  },
};

const render = (t: string): string => renderPrompt(t, 'go', data);

describe('Go dialect: seed forms', () => {
  it('renders plain text unchanged', () => {
    assert.equal(render('just text\n'), 'just text\n');
  });

  it('ranges over index .Deps "name" "Outputs"', () => {
    assert.equal(render('{{ range (index .Deps "x" "Outputs") }}- {{ . }}\n{{ end }}'), '- one\n- two\n');
  });

  it('indexes into Results', () => {
    assert.equal(render('{{ index .Deps "x" "Results" "key" }}'), 'value');
  });

  it('renders the seed orchestrator prompt', () => {
    const prompt =
      '{{ range (index .Deps "research-api-design" "Outputs") }}- {{ . }}\n{{ end }}\n' +
      'Schema: {{ index .Deps "research-data-model" "Results" "schema" }}\n';
    assert.equal(render(prompt), '- REST over gRPC\n- cursor pagination\n\nSchema: users(id, name)\n');
  });

  it('follows field chains and prints values the way fmt does', () => {
    assert.equal(render('{{ .Deps.x.Outputs }}|{{ .Deps.x.Results }}|{{ .Deps.x.Name }}'), '[one two]|map[key:value]|x');
    // Axon's dependency map plus Dendrite's Response (the agent's answer; '' when it gave none).
    assert.equal(render('{{ .Deps.x }}'), 'map[Name:x Outputs:[one two] Response: Results:map[key:value]]');
    assert.equal(render('{{ .Deps.x.Results.key }}'), 'value');
  });

  it('trims with {{- and -}}', () => {
    assert.equal(render('a \n {{- .Deps.x.Name -}} \n b'), 'axb');
    assert.equal(render('a {{- /* note */ -}} b'), 'ab');
  });

  it('chooses if/else branches by Go truthiness', () => {
    assert.equal(render('{{ if .Deps.x.Outputs }}yes{{ else }}no{{ end }}'), 'yes');
    assert.equal(render('{{ if index .Deps "research-data-model" "Outputs" }}yes{{ else }}no{{ end }}'), 'no');
    assert.equal(render('{{ if eq .Deps.x.Name "y" }}1{{ else if eq .Deps.x.Name "x" }}2{{ else }}3{{ end }}'), '2');
  });

  it('prints a nil Outputs as an empty list', () => {
    assert.equal(render('{{ index .Deps "research-data-model" "Outputs" }}'), '[]');
  });

  it('fails on a missing key with the position, as Go does', () => {
    assert.throws(
      () => render('Hi {{ .Deps.nope.Outputs }}'),
      (e: unknown) =>
        e instanceof TemplateError &&
        e.stage === 'execute' &&
        e.message === 'template: prompt:1:11: executing "prompt" at <.Deps.nope.Outputs>: map has no entry for key "nope"',
    );
  });

  it('checkTemplate accepts good templates and rejects bad ones with the line', () => {
    checkTemplate('{{ range .Deps }}{{ .Name }}{{ end }}', 'go');
    assert.throws(
      () => checkTemplate('line one\n{{ if .Deps }}', 'go'),
      (e: unknown) => e instanceof TemplateError && e.stage === 'parse' && e.message === 'template: prompt:2: unexpected EOF',
    );
    assert.throws(
      () => checkTemplate('ok\n  {{ .Deps.x | nosuch }}', 'go'),
      (e: unknown) =>
        e instanceof TemplateError && e.message === 'template: prompt:2: function "nosuch" not defined' && e.line === 2 && e.column === 15,
    );
    assert.throws(
      () => checkTemplate('{{ if false }}{{ nosuch 1 }}{{ end }}', 'go'),
      (e: unknown) => e instanceof TemplateError && e.message === 'template: prompt:1: function "nosuch" not defined',
    );
  });

  it('renderGoTemplate is the same renderer', () => {
    assert.equal(renderGoTemplate('{{ len .Deps.x.Outputs }}', data), '2');
    assert.throws(() => renderGoTemplate('{{ .Deps.x.Nope }}', data), /prompt:1:8: .*map has no entry for key "Nope"/);
  });
});
