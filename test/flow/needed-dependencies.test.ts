import { test } from 'node:test';
import assert from 'node:assert/strict';
import { neededDependencies } from '../../shared/flow/intake.js';
import { referencedDependencies, TemplateError } from '../../shared/template/index.js';

/** What intake hands over: the inspection, or nothing when the template does not parse. */
function inspected(template: string, dialect: 'go' | 'nunjucks'): ReturnType<typeof referencedDependencies> | undefined {
  try {
    return referencedDependencies(template, dialect);
  } catch (err) {
    if (err instanceof TemplateError) return undefined;
    throw err;
  }
}

const DEPS = ['a', 'b', 'c'];

const cases: Array<{ name: string; template: string; dialect?: 'go' | 'nunjucks'; dependsOn?: string[]; expected: string[] | undefined }> = [
  { name: 'no dependencies: nothing to read', template: '{{ .Deps.a.Name }}', dependsOn: [], expected: undefined },
  { name: 'constant lookups name what is read, in the template’s terms', template: '{{ index .Deps "b" "Outputs" }} {{ .Deps.a.Name }}', expected: ['b', 'a'] },
  { name: 'ranging over every dependency reads all', template: '{{ range .Deps }}{{ .Name }}{{ end }}', expected: undefined },
  { name: 'a name that is not a dependency is not kept', template: '{{ .Deps.a.Name }}{{ index .Deps "zzz" }}', expected: ['a'] },
  { name: 'a template reading no dependency still keeps one, so it is rendered as a template', template: 'Hi {{ "x" }}', expected: ['a'] },
  { name: 'nunjucks constant lookups', template: '{{ Deps["c"].Name }}', dialect: 'nunjucks', expected: ['c'] },
  { name: 'a template that does not parse (rebuild path) reads all', template: '{{ range .Deps }', expected: undefined },
];

for (const c of cases) {
  test(`needed dependencies: ${c.name}`, () => {
    assert.deepEqual(neededDependencies(inspected(c.template, c.dialect ?? 'go'), c.dependsOn ?? DEPS), c.expected);
  });
}
