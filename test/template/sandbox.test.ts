// Template injection corpus: known nunjucks server-side template injection payloads (and Go
// dialect attempts) must each fail with a TemplateError and must not execute anything. Every
// payload that would run code tries to set a global or write a file; both are checked after.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderPrompt, TemplateError, TemplateData } from '../../shared/template/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dendrite-ssti-'));
const sentinelFile = join(dir, 'pwned');
const globalName = 'dendriteSstiPwned';
after(() => rmSync(dir, { recursive: true, force: true }));

// What a successful payload would run: set a global and write a file.
const js = `globalThis.${globalName}=1;process.mainModule.require('fs').writeFileSync(${JSON.stringify(sentinelFile)},'x');return 1`;
const q = JSON.stringify(js);

const data: TemplateData = {
  Deps: { x: { Outputs: ['one', 'two'], Results: { key: 'value' }, Name: 'x' } },
};

const nunjucksPayloads: string[] = [
  `{{ range.constructor(${q})() }}`,
  `{{ cycler.constructor(${q})() }}`,
  `{{ joiner.constructor(${q})() }}`,
  `{{ joiner().constructor(${q})() }}`,
  `{{ cycler("a").next.constructor(${q})() }}`,
  `{{ lipsum.__globals__.os.popen("id").read() }}`,
  `{{ self.__init__.__globals__ }}`,
  `{{ "".constructor.constructor(${q})() }}`,
  `{{ "".__proto__.constructor.constructor(${q})() }}`,
  `{{ [].constructor.constructor(${q})() }}`,
  `{{ ({}).constructor.constructor(${q})() }}`,
  `{{ Deps.constructor.constructor(${q})() }}`,
  `{{ Deps.x.Outputs.constructor.constructor(${q})() }}`,
  `{{ Deps.__proto__.constructor }}`,
  `{{ Deps["__proto__"] }}`,
  `{{ Deps["constr" ~ "uctor"]["constr" ~ "uctor"](${q})() }}`,
  `{% set k = "constructor" %}{{ range[k][k](${q})() }}`,
  `{% set k = "__proto__" %}{{ Deps[k] }}`,
  `{{ range["constructor"](${q})() }}`,
  `{{ (range).constructor(${q})() }}`,
  `{{ range.call(null, 3) }}`,
  `{{ range.apply(null, [3]) }}`,
  `{{ range.bind(null) }}`,
  `{{ constructor }}`,
  `{{ constructor.constructor(${q})() }}`,
  `{{ toString() }}`,
  `{{ valueOf }}`,
  `{{ hasOwnProperty("Deps") }}`,
  `{{ __lookupGetter__("x") }}`,
  `{{ Deps.__defineGetter__("x", range) }}`,
  `{{ Deps.x.Results.valueOf() }}`,
  `{{ range.toString() }}`,
  `{{ process.mainModule.require("fs").writeFileSync(${JSON.stringify(sentinelFile)}, "x") }}`,
  `{{ global.process.exit(1) }}`,
  `{{ globalThis.process }}`,
  `{{ require("child_process").execSync("id") }}`,
  `{{ module.exports }}`,
  `{{ this.constructor }}`,
  `{{ self }}`,
  `{{ window }}`,
  `{{ eval(${q}) }}`,
  `{{ Function(${q})() }}`,
  `{% include "/etc/passwd" %}`,
  `{% extends "/etc/passwd" %}`,
  `{% import "/etc/passwd" as p %}`,
  `{% from "/etc/passwd" import x %}`,
  `{{ x is "\\")+(globalThis.${globalName}=1)+(\\"" }}`,
  `{{ "\\\\\\"); globalThis.${globalName} = 1; //"() }}`,
  `{{ x\\"+(globalThis.${globalName}=1)+\\" }}`,
  `{% set a\\" = 1 %}`,
  `{{ r/(a+)+$/.test("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!") }}`,
  `{{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!".match("(a+)+$") }}`,
  `{{ "a".repeat(1000000000) }}`,
  `{{ "x".padStart(1000000000) }}`,
  `{{ Deps.x.Outputs.map(range.constructor) }}`,
  `{{ Deps.x.Outputs.push("y") }}`,
  `{{ "x".replace("x", joiner()) }}`,
  `{{ __s }}`,
  `{% set __lk = 1 %}`,
  `{{ __lk(range, "constructor") }}`,
  `{% macro m() %}{% endmacro %}{{ m.constructor(${q})() }}`,
  `{% macro m() %}{{ caller.constructor(${q})() }}{% endmacro %}{% call m() %}x{% endcall %}`,
  `{% for i in [1] %}{{ loop.constructor }}{% endfor %}`,
  `{{ range | attr("constructor") }}`,
  `{{ Deps | constructor }}`,
  `{{ 1 is constructor }}`,
  `{{ {"__proto__": range} }}`,
  `{{ Deps.x.Outputs.__proto__.constructor }}`,
  `{{ super() }}`,
  `{% block b %}{{ super() }}{% endblock %}`,
];

const goPayloads: string[] = [
  '{{ .constructor }}',
  '{{ .Deps.constructor }}',
  '{{ .Deps.__proto__ }}',
  '{{ .Deps.x.constructor }}',
  '{{ .Deps.x.Outputs.constructor }}',
  '{{ .Deps.x.Name.constructor }}',
  '{{ .Deps.hasOwnProperty }}',
  '{{ .Deps.x.Results.toString }}',
  '{{ index .Deps "constructor" "prototype" }}',
  '{{ index .Deps "__proto__" "constructor" }}',
  '{{ call .Deps.x.Name }}',
  '{{ call .Deps.constructor }}',
  '{{ js.constructor }}',
  '{{ range.constructor }}',
  '{{ constructor }}',
  '{{ process }}',
  '{{ $.constructor.constructor }}',
  `{{ printf "%v" (call .Deps.x.Name ${q}) }}`,
];

function assertRefused(template: string, dialect: 'go' | 'nunjucks'): void {
  assert.throws(
    () => renderPrompt(template, dialect, data),
    (e: unknown) => e instanceof TemplateError && /template: prompt/.test(e.message),
    `${dialect} payload was not refused: ${template}`,
  );
}

describe('sandbox: injection payloads fail and execute nothing', () => {
  it(`nunjucks dialect refuses all ${nunjucksPayloads.length} payloads`, () => {
    for (const p of nunjucksPayloads) assertRefused(p, 'nunjucks');
  });

  it(`Go dialect refuses all ${goPayloads.length} payloads`, () => {
    for (const p of goPayloads) assertRefused(p, 'go');
  });

  it('no payload touched the sentinel global or file', () => {
    assert.equal((globalThis as Record<string, unknown>)[globalName], undefined);
    assert.equal(existsSync(sentinelFile), false);
  });

  it('the corpus is not vacuous: the same code outside the sandbox would set the sentinel', () => {
    const probe = `globalThis.${globalName}Probe=1;return 1`;
    new Function(probe)(); // eslint-disable-line no-new-func
    assert.equal((globalThis as Record<string, unknown>)[`${globalName}Probe`], 1);
    delete (globalThis as Record<string, unknown>)[`${globalName}Probe`];
  });

  it('dependency outputs are data: template syntax inside them is printed, never run', () => {
    const payload = `{{ range.constructor(${q})() }} {% include "x" %} {{ .Deps }}`;
    const d: TemplateData = { Deps: { x: { Outputs: [payload], Results: { r: payload }, Name: 'x' } } };
    assert.equal(renderPrompt('{{ index .Deps.x.Outputs 0 }}|{{ .Deps.x.Results.r }}', 'go', d), `${payload}|${payload}`);
    assert.equal(renderPrompt('{{ Deps.x.Outputs[0] }}|{{ Deps.x.Results.r }}', 'nunjucks', d), `${payload}|${payload}`);
    assert.equal((globalThis as Record<string, unknown>)[globalName], undefined);
  });

  it('ordinary member access and safe methods still work in the nunjucks dialect', () => {
    assert.equal(
      renderPrompt('{{ Deps.x.Outputs.length }} {{ Deps.x.Name.toUpperCase() }} {{ Deps.x.Outputs.join("+") }} {{ Deps["x"].Results.key }}', 'nunjucks', data),
      '2 X one+two value',
    );
  });
});
