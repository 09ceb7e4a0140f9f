// referencedDependencies: which dependencies a template can read, and the proof that the list
// is enough — rendering with only the listed dependencies gives what rendering with all gives.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DependencyData, TemplateDialect } from '../../shared/task/model.js';
import { checkTemplate, referencedDependencies, renderPrompt, TemplateError, TemplateData } from '../../shared/template/index.js';

interface Case {
  dialect: TemplateDialect;
  template: string;
  expected: string[] | 'all';
}

const go = (template: string, expected: string[] | 'all'): Case => ({ dialect: 'go', template, expected });
const njk = (template: string, expected: string[] | 'all'): Case => ({ dialect: 'nunjucks', template, expected });

const CASES: Case[] = [
  // Go: constant-key lookups name their dependency.
  go('plain text, no actions', []),
  go('{{ "a literal" }} {{ len "abc" }} {{ printf "%d" 3 }}', []),
  go('{{ .Deps.a }}', ['a']),
  go('{{ .Deps.a.Outputs }} {{ .Deps.b.Results.k }}', ['a', 'b']),
  go('{{ $.Deps.a.Name }}', ['a']),
  go('{{ index .Deps "a" }}', ['a']),
  go('{{ index .Deps "a" "Results" "k" }}', ['a']),
  go('{{ index $.Deps "b" "Outputs" 0 }}', ['b']),
  go('{{ (index .Deps "a").Results.k }}', ['a']),
  go('{{ (.Deps).a.Name }}', ['a']),
  go('{{ range (index .Deps "a" "Outputs") }}- {{ . }}\n{{ end }}', ['a']),
  go('{{ range $i, $o := .Deps.a.Outputs }}{{ $i }}={{ $o }} {{ $.Deps.b.Name }}{{ end }}', ['a', 'b']),
  go('{{ with .Deps.a.Results }}{{ .k }}{{ else }}{{ .Deps.b.Name }}{{ end }}', ['a', 'b']),
  go('{{ if .Deps.a.Outputs }}yes {{ .Deps.c.Name }}{{ else }}no{{ end }}', ['a', 'c']),
  go('{{ $x := index .Deps "a" }}{{ $x.Name }} {{ $y := .Deps.b.Results }}{{ $y.k }}', ['a', 'b']),
  go('{{ with $r := index .Deps "a" "Results" }}{{ $r.k }}{{ end }}', ['a']),
  go('{{ .Deps.a.Name | printf "%s!" }} {{ eq .Deps.b.Name "b" }}', ['a', 'b']),
  go('{{ .Deps.missing }}', ['missing']),
  go('{{ .Deps.a.Nope }}', ['a']),
  go('{{ index .Deps "a" | len }}', ['a']),
  go('{{ range .Deps.a.Outputs }}{{ . }}{{ $.Deps.c.Outputs }}{{ end }}', ['a', 'c']),
  // Go: anything that can reach every dependency.
  go('{{ .Deps }}', 'all'),
  go('{{ $.Deps }}', 'all'),
  go('{{ . }}', 'all'),
  go('{{ $ }}', 'all'),
  go('{{ printf "%v" . }}', 'all'),
  go('{{ with . }}{{ .Deps.a }}{{ end }}', 'all'),
  go('{{ range .Deps }}{{ .Name }}{{ end }}', 'all'),
  go('{{ range $k, $v := .Deps }}{{ $k }}{{ end }}', 'all'),
  go('{{ len .Deps }}', 'all'),
  go('{{ index .Deps .Deps.a.Name }}', 'all'),
  go('{{ $k := "a" }}{{ index .Deps $k }}', 'all'),
  go('{{ print .Deps }}', 'all'),
  go('{{ with .Deps }}{{ .a }}{{ end }}', 'all'),
  go('{{ if .Deps }}some{{ end }}', 'all'),
  go('{{ $d := .Deps }}{{ $d.a }}', 'all'),
  go('{{ .Deps | printf "%v" }}', 'all'),
  go('{{ "a" | index .Deps }}', 'all'),
  go('{{ and .Deps.a .Deps }}', 'all'),
  go('{{ if false }}{{ range .Deps }}{{ end }}{{ end }}', 'all'),
  go('{{ .Other }}', 'all'),
  go('{{ index . "Deps" "a" }}', 'all'),
  // nunjucks.
  njk('plain {{ "text" | upper }}', []),
  njk('{{ Deps.a.Name }}', ['a']),
  njk('{{ Deps["a"].Outputs | join(", ") }} {{ Deps.b.Results.k }}', ['a', 'b']),
  njk('{% for o in Deps.a.Outputs %}{{ o }}{{ Deps["c"].Name }}{% endfor %}', ['a', 'c']),
  njk('{% if Deps.a.Results %}{{ Deps.a.Results.k }}{% endif %}', ['a']),
  njk('{% set r = Deps.b.Results %}{{ r.k }}', ['b']),
  njk('{{ Deps.missing.Name }}', ['missing']),
  njk('{{ Deps }}', 'all'),
  njk('{% for name, d in Deps %}{{ name }}{% endfor %}', 'all'),
  njk('{{ Deps | length }}', 'all'),
  njk('{% set k = "a" %}{{ Deps[k].Name }}', 'all'),
  njk('{{ Deps[0] }}', 'all'),
  njk('{% set d = Deps %}{{ d.a.Name }}', 'all'),
  njk('{% set Deps = 1 %}{{ Deps }}', 'all'),
];

const dep = (name: string, i: number): DependencyData => ({
  Outputs: [`out-${name}-1`, `out-${name}-2`],
  Results: i % 2 === 0 ? { k: `k of ${name}`, other: String(i) } : null,
  Name: name,
});
const ALL_NAMES = ['a', 'b', 'c', 'd', 'e'];

function data(names: string[]): TemplateData {
  const Deps: Record<string, DependencyData> = {};
  for (const [i, n] of ALL_NAMES.entries()) if (names.includes(n)) Deps[n] = dep(n, i);
  return { Deps };
}

/** The rendered text, or the error (stage and message) — what a Task would see. */
function outcome(c: Case, names: string[]): string {
  try {
    return 'ok: ' + renderPrompt(c.template, c.dialect, data(names));
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    return `error (${e.stage}): ${e.message}`;
  }
}

describe('referencedDependencies', () => {
  for (const c of CASES) {
    it(`${c.dialect}: ${JSON.stringify(c.template)} → ${JSON.stringify(c.expected)}`, () => {
      checkTemplate(c.template, c.dialect); // every case is a valid template
      assert.deepEqual(referencedDependencies(c.template, c.dialect), c.expected);
    });
  }

  describe('rendering with only the listed dependencies gives the same output or error as with all', () => {
    for (const c of CASES) {
      if (c.expected === 'all') continue;
      const listed = c.expected;
      it(`${c.dialect}: ${JSON.stringify(c.template)}`, () => {
        const full = outcome(c, ALL_NAMES);
        assert.equal(outcome(c, ALL_NAMES.filter((n) => listed.includes(n))), full);
      });
    }
  });

  it('dropping a listed dependency does change the result (the differential check can fail)', () => {
    const c = go('{{ .Deps.a.Name }} {{ index .Deps "b" "Outputs" }}', ['a', 'b']);
    assert.notEqual(outcome(c, ['a']), outcome(c, ALL_NAMES));
    const n = njk('{{ Deps.a.Name }}{{ Deps["b"].Name }}', ['a', 'b']);
    assert.notEqual(outcome(n, ['a']), outcome(n, ALL_NAMES));
  });

  it('throws the same TemplateError as checkTemplate for a template that does not parse', () => {
    for (const [template, dialect] of [
      ['{{ .Deps.a ', 'go'],
      ['{{ range .Deps }}', 'go'],
      ['{{ Deps.a ', 'nunjucks'],
      ['{% for x in Deps %}', 'nunjucks'],
    ] as const) {
      let expected: TemplateError | undefined;
      try {
        checkTemplate(template, dialect);
      } catch (e) {
        expected = e as TemplateError;
      }
      assert.ok(expected instanceof TemplateError, `${template} should not parse`);
      assert.throws(
        () => referencedDependencies(template, dialect),
        (e: unknown) => e instanceof TemplateError && e.stage === 'parse' && e.message === expected.message && e.line === expected.line,
      );
    }
  });

  it('hands out a copy: changing the returned list does not change the next answer', () => {
    const t = '{{ .Deps.a.Name }}{{ .Deps.b.Name }}';
    const first = referencedDependencies(t, 'go');
    assert.ok(Array.isArray(first));
    first.push('zzz');
    assert.deepEqual(referencedDependencies(t, 'go'), ['a', 'b']);
  });
});
