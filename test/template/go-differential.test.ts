// Differential conformance: every case in go-cases.json was rendered by real Go 1.19
// text/template the way Axon renders prompts; the Go dialect must give the same bytes, or fail
// with the same error text at the same stage.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderPrompt, TemplateError, TemplateData } from '../../shared/template/index.js';

interface GoCase {
  group: string;
  template: string;
  data: string;
  output?: string;
  error?: string;
  stage?: 'parse' | 'execute';
}

interface Corpus {
  datasets: Record<string, Record<string, { Outputs: string[] | null; Results: Record<string, string> | null; Response?: string }>>;
  cases: GoCase[];
}

const corpus = JSON.parse(readFileSync(new URL('../../../test/template/go-cases.json', import.meta.url), 'utf8')) as Corpus;

function dataFor(name: string): TemplateData {
  const deps: TemplateData['Deps'] = {};
  for (const [dep, d] of Object.entries(corpus.datasets[name]!)) deps[dep] = { Outputs: d.Outputs, Results: d.Results, Response: d.Response ?? '', Name: dep };
  return { Deps: deps };
}

const groups = new Map<string, GoCase[]>();
for (const c of corpus.cases) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);

describe('Go dialect matches Go 1.19 text/template', () => {
  it('has a corpus of several hundred cases', () => {
    assert.ok(corpus.cases.length >= 500, `only ${corpus.cases.length} cases`);
  });
  for (const [group, cases] of groups) {
    it(`${group} (${cases.length} cases)`, () => {
      const failures: string[] = [];
      for (const c of cases) {
        const data = dataFor(c.data);
        let got: { output: string } | { error: string; stage: string };
        try {
          got = { output: renderPrompt(c.template, 'go', data) };
        } catch (e) {
          if (!(e instanceof TemplateError)) throw e;
          got = { error: e.message, stage: e.stage };
        }
        const want = c.error !== undefined ? { error: c.error, stage: c.stage } : { output: c.output };
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          failures.push(`${JSON.stringify(c.template)}\n    want ${JSON.stringify(want)}\n    got  ${JSON.stringify(got)}`);
        }
      }
      assert.deepEqual(failures, [], `${failures.length}/${cases.length} differ:\n  ${failures.join('\n  ')}`);
    });
  }
});
