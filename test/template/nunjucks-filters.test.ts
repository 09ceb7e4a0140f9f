// The bounded filters, operators and methods of the nunjucks dialect keep nunjucks's meaning:
// ordinary uses render exactly as plain nunjucks renders them, and the linear trim/striptags
// agree with the regular expressions they replace on random inputs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import nunjucks from 'nunjucks';
import { renderPrompt, TemplateData } from '../../shared/template/index.js';
import { removeTags, stripTagsText, trimLineSpaces, trimText } from '../../shared/template/nunjucks/strip.js';
import { replacedLength } from '../../shared/template/nunjucks/methods.js';

const data: TemplateData = {
  Deps: {
    x: { Outputs: ['b', 'a', 'c a', '<i>tag</i>'], Results: { k: 'v', z: 'y' }, Name: 'x' },
  },
};

const plain = new nunjucks.Environment([], { autoescape: false });

/** Templates whose output plain nunjucks and the dialect must agree on. */
const SAME: string[] = [
  '{{ "a b c d" | replace(" ", "x") }}',
  '{{ "a b c d" | replace(" ", "x", 2) }}',
  '{{ "abc" | replace("", ".") }}',
  '{{ "a1a1" | replace(1, 2) }}',
  '{{ "aaa" | replace("a", "bb", 0) }}',
  '{{ Deps.x.Outputs | join(", ") }}|{{ Deps.x.Outputs | join }}|{{ [[1, 2], [3]] | join("-") }}',
  '{{ [{"n": "a"}, {"n": "b"}] | join("+", "n") }}',
  '{{ [1, 2, 3] | sum }}|{{ ["a", "b"] | sum }}|{{ [{"v": 2}, {"v": 3}] | sum("v", 10) }}',
  '{{ "  padded \n\t" | trim }}|{{ "<b>bold</b>  and <!-- c -->  text <br/>" | striptags }}',
  '{{ "<p> a  </p>\n\n\n\n b \n" | striptags(true) }}',
  '{{ "x" | center(9) }}|{{ "a\nb" | indent(2) }}|{{ "a\nb" | indent(2, true) }}',
  '{{ [1, 2, 3, 4, 5] | batch(2, 0) | dump }}|{{ [1, 2, 3, 4, 5] | slice(2, "f") | dump }}',
  '{{ {"b": 1, "a": [1, "x"]} | dump }}|{{ [1, {"a": null}] | dump(2) }}|{{ "q\\"" | dump }}',
  '{{ "abc" | list | join(",") }}|{{ range(3) | list | join }}|{{ range(10, 0, -3) | join(",") }}|{{ range(2, 5) | join }}',
  '{{ "a&<>\\"\'" | escape }}|{{ "a&b" | forceescape }}|{{ "hello world" | title }}|{{ "hello" | capitalize }}',
  '{{ "go to www.example.com now" | urlize }}|{{ "a b&c" | urlencode }}|{{ [["a", "b c"], ["d", 1]] | urlencode }}',
  '{{ "l1\nl2" | nl2br }}|{{ "long text here" | truncate(6) }}|{{ "ab" | upper }}{{ "CD" | lower }}',
  '{{ Deps.x.Outputs | sort | join }}|{{ Deps.x.Outputs | reverse | join }}|{{ "abc" | reverse }}|{{ Deps.x.Results | dictsort | join(";") }}',
  '{{ [1, 0, 2] | select | join }}|{{ [1, 0, 2] | reject | join }}|{{ "ab" | select | join("-") }}',
  '{{ [{"a": 1}, {"a": 0}] | selectattr("a") | length }}|{{ [{"g": "x"}, {"g": "y"}, {"g": "x"}] | groupby("g") | dump }}',
  '{{ "a" ~ 1 ~ [1, 2] ~ none }}|{{ 1 + 2 }}|{{ "a" + 1 }}|{{ [1] + [2] }}|{{ 1 + 2 + "x" + 3 }}',
  '{% set s %}captured {{ 1 + 1 }}{% endset %}{{ s }}|{% set a = [1, [2, 3]] %}{{ a }}|{{ a.concat([4]).join("") }}',
  '{{ "a,b,,c".split(",") | join("|") }}|{{ "a,b,c".split(",", 2) | join("|") }}|{{ "abc".split() | length }}',
  '{{ "abcb".replace("b", "[$&$`$\'$$]") }}|{{ "abcb".replaceAll("b", "<$\'>") }}|{{ "ab".replaceAll("", "-") }}|{{ "a".replace("a", "$1$<n>") }}',
  '{{ "x".concat("y", 1, [2, 3]) }}|{{ "Ab".toUpperCase() }}{{ "Ab".toLowerCase() }}|{{ [1, 2, 3].slice(1) | join }}',
  '{{ 5 | int }}{{ "3.5" | float }}{{ -2 | abs }}{{ 2.567 | round(1) }}{{ "a b c" | wordcount }}',
  '{% set c = cycler("a", "b") %}{{ c.next() }}{{ c.next() }}{{ c.next() }}|{% set j = joiner("/") %}{{ j() }}x{{ j() }}y',
  '{% macro m(a, b=2) %}<{{ a }}{{ b }}{{ caller() if caller else "" }}>{% endmacro %}{{ m(1) }}{% call m(3, 4) %}c{% endcall %}',
  '{% filter upper %}shout {{ "it" }}{% endfilter %}',
  '{{ "abc" is string }}{{ [1] == [1] }}{{ 1 in [1] }}{{ "b" in "abc" }}{{ "x" if 0 else "y" }}{{ not 0 and 1 or 2 }}',
];

describe('nunjucks dialect: bounded filters keep nunjucks semantics', () => {
  it('replace of a plain string works (it used to recurse into itself)', () => {
    assert.equal(renderPrompt('{{ "a b c d" | replace(" ", "x") }}', 'nunjucks', data), 'axbxcxd');
  });

  for (const t of SAME) {
    it(`renders like plain nunjucks: ${t.slice(0, 60)}`, () => {
      assert.equal(renderPrompt(t, 'nunjucks', data), plain.renderString(t, structuredClone(data)));
    });
  }

  it('~ binds looser than +, as nunjucks documents (its own compiler gets this wrong)', () => {
    assert.equal(renderPrompt('{{ "a" ~ 1 + 2 }}', 'nunjucks', data), 'a3');
  });

  it('range() with non-numbers gives no elements instead of looping forever', () => {
    assert.equal(renderPrompt('{{ range("a", "b") | length }}', 'nunjucks', data), '0');
  });
});

describe('linear-time trim and striptags', () => {
  const text = fc.string({ unit: fc.constantFrom('<', '>', 'a', 'B', '1', '_', '/', '!', '-', ' ', '\n', '\r', '\t', '\u2028', 'é') });

  it('trim agrees with /^\\s*|\\s*$/g', () => {
    fc.assert(fc.property(text, (s) => trimText(s) === s.replace(/^\s*|\s*$/g, '')), { numRuns: 2000 });
  });

  it('removeTags agrees with the tag regex', () => {
    fc.assert(fc.property(text, (s) => removeTags(s) === s.replace(/<\/?([a-z][a-z0-9]*)\b[^>]*>|<!--[\s\S]*?-->/gi, '')), { numRuns: 5000 });
    for (const s of ['<a>', '<!-- x -->y', '<a_b>', '</b >', '<<a>>', '<!--->', '<!-- a --> <b>', '<a<b>c>']) {
      assert.equal(removeTags(s), s.replace(/<\/?([a-z][a-z0-9]*)\b[^>]*>|<!--[\s\S]*?-->/gi, ''), s);
    }
  });

  it('trimLineSpaces agrees with /^ +| +$/gm', () => {
    fc.assert(fc.property(text, (s) => trimLineSpaces(s) === s.replace(/^ +| +$/gm, '')), { numRuns: 2000 });
  });

  it('striptags text agrees with nunjucks, with and without preserved line breaks', () => {
    const filters = (plain as unknown as { filters: Record<string, (s: string, p?: boolean) => string> }).filters;
    fc.assert(
      fc.property(text, fc.boolean(), (s, keep) => stripTagsText(s, keep) === filters.striptags!(s, keep)),
      { numRuns: 2000 },
    );
  });

  it('stays linear where the regular expressions take seconds', () => {
    const start = performance.now();
    trimText('x' + ' '.repeat(1 << 20) + 'x');
    removeTags('<a'.repeat(1 << 19));
    trimLineSpaces('x' + ' '.repeat(1 << 20) + 'x');
    assert.ok(performance.now() - start < 1000);
  });
});

describe('replace and replaceAll result sizes', () => {
  const unit = fc.constantFrom('a', 'b', '$', '&', '`', "'", '1', '<');
  it('replacedLength is the length of the result, $ patterns included', () => {
    fc.assert(
      fc.property(fc.string({ unit }), fc.string({ unit, maxLength: 2 }), fc.string({ unit, maxLength: 6 }), fc.boolean(), (s, p, r, all) => {
        const out = all ? s.replaceAll(p, r) : s.replace(p, r);
        return replacedLength(s, p, r, all) === out.length;
      }),
      { numRuns: 5000 },
    );
  });
});
