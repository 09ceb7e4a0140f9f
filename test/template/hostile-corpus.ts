/**
 * Hostile templates: each tries to exhaust memory, time or the stack through one route, and
 * must instead stop quickly with a TemplateError of stage `limit` whose message matches
 * `expect`. Every entry renders against HOSTILE_DATA with the default limits. Entries are
 * small (< 2 KB of source) except the deliberately huge sources, which are generated.
 * Shared with the tests that render in a child process and through the CLI.
 */
import type { TemplateDialect } from '../../shared/task/model.js';
import type { TemplateData } from '../../shared/template/index.js';

export interface HostileCase {
  name: string;
  dialect: TemplateDialect;
  template: string;
  expect: RegExp;
}

/** `h` has 64 outputs (for loops in the Go dialect, which can only range over data). */
export const HOSTILE_DATA: TemplateData = {
  Deps: {
    h: { Outputs: Array.from({ length: 64 }, (_, i) => `o${i}`), Results: { k: 'v' }, Name: 'h' },
  },
};

export const VALUE = /template builds a value of more than 1048576 bytes \(the value limit, maxValueBytes\)/;
export const PRODUCED = /template builds more than 33554432 bytes of values in total \(the produced-bytes limit, maxProducedBytes\)/;
export const DEPTH = /deeper than the depth limit of 100 levels \(maxDepth\)/;
export const SOURCE = /template source is larger than the source limit of 65536 bytes \(maxSourceBytes\)/;
export const TIME = /took longer than the time limit of 1000 ms/;
export const OUTPUT = /exceeds the output limit of 262144 bytes/;

const r = (s: string, n: number): string => s.repeat(n);
const go = (name: string, template: string, expect: RegExp): HostileCase => ({ name: `go/${name}`, dialect: 'go', template, expect });
const njk = (name: string, template: string, expect: RegExp): HostileCase => ({ name: `nunjucks/${name}`, dialect: 'nunjucks', template, expect });

/** Go: $s holds `n` UTF-16 units of `c` (one doubling per step from a 16-character literal). */
const goDoubled = (c: string, steps: number): string => `{{ $s := "${r(c, 16)}" }}` + r('{{ $s = print $s $s }}', steps);
/** Go: five nested ranges over h's outputs: 64^5 iterations. */
const goLoops = (body: string): string =>
  '{{ range .Deps.h.Outputs }}' + r('{{ range $.Deps.h.Outputs }}', 4) + body + r('{{ end }}', 5);
/** nunjucks: s holds `n` units (centred "x"), built in one bounded step. */
const njkString = (n: number): string => `{% set s = "x" | center(${n}) %}`;
/** nunjucks: `a` is an array holding the previous one twice, 30 levels deep (2^30 leaves). */
const njkDag = '{% set a = ["xxxxxxxxxxxxxxxx"] %}{% for i in range(30) %}{% set a = [a, a] %}{% endfor %}';
const njkLoops = (body: string): string => r('{% for a in Deps.h.Outputs %}', 5) + body + r('{% endfor %}', 5);

const GO: HostileCase[] = [
  // String growth through every builtin that builds strings.
  go('print doubling then html', goDoubled('<', 22) + '{{ html $s }}', VALUE),
  go('printf doubling', '{{ $s := "<<<<<<<<<<<<<<<<" }}' + r('{{ $s = printf "%s%s" $s $s }}', 22), VALUE),
  go('println doubling', '{{ $s := "<<<<<<<<<<<<<<<<" }}' + r('{{ $s = println $s $s }}', 22), VALUE),
  go('printf %q of its own output', '{{ $s := "\\"" }}' + r('{{ $s = printf "%q" $s }}', 40), VALUE),
  go('printf %q over a large string', goDoubled('<', 15) + r('{{ $t := printf "%q%q" $s $s }}', 5), VALUE),
  go('html growth', goDoubled('<', 15) + '{{ html $s }}', VALUE),
  go('js growth', goDoubled('<', 14) + '{{ js $s }}', VALUE),
  go('urlquery growth', goDoubled('%', 15) + '{{ urlquery $s }}', VALUE),
  go('printf width padding', '{{ printf "%999999d%999999d" 1 2 }}', VALUE),
  go('printf * width from an argument', '{{ printf "%*d%*s" 999999 1 999999 "x" }}', VALUE),
  go('printf % #x hex dump', goDoubled('<', 14) + '{{ printf "% #x" $s }}', VALUE),
  go('print with many large arguments', '{{ $s := printf "%65536d" 1 }}{{ print ' + r('$s ', 20) + '}}', VALUE),
  go('printf with many verbs', '{{ $s := printf "%65536d" 1 }}{{ printf "' + r('%s', 20) + '" ' + r('$s ', 20) + '}}', VALUE),
  go('html of many arguments', '{{ $s := printf "%65536d" 1 }}{{ html ' + r('$s ', 20) + '}}', VALUE),
  // Many small growths: each value is fine, together they are not.
  go('a large value built again in a loop', '{{ $s := printf "%500000d" 1 }}{{ range .Deps.h.Outputs }}{{ $t := print $s $s }}{{ end }}', PRODUCED),
  go('a value grown a little per iteration', '{{ $s := "" }}' + goLoops('{{ $s = print $s "xxxxxxxxxxxxxxxx" }}'), PRODUCED),
  go('small values in nested loops', '{{ $s := printf "%1000d" 1 }}' + goLoops('{{ $t := print $s "x" }}'), PRODUCED),
  go('slices of a large value in a loop', goDoubled('x', 16) + '{{ range .Deps.h.Outputs }}{{ $t := slice $s 1 }}{{ end }}', PRODUCED),
  // Time and output.
  go('nested loops', goLoops('{{ $x := len . }}'), TIME),
  go('nested loops writing text', goLoops('xxxxxxxxxxxxxxxx'), OUTPUT),
  // Deep nesting, refused at parse time.
  go('nested ifs', r('{{if 1}}', 110) + 'x' + r('{{end}}', 110), DEPTH),
  go('nested parentheses', '{{ ' + r('(', 150) + '1' + r(')', 150) + ' }}', DEPTH),
  go('a long else-if chain', '{{if 0}}' + r('{{else if 0}}', 120) + '{{end}}', DEPTH),
  go('nested ranges and withs', r('{{range .}}{{with .}}', 55) + r('{{end}}{{end}}', 55), DEPTH),
];

const NUNJUCKS: HostileCase[] = [
  // String growth through operators, filters and methods.
  njk('~ doubling then escape', '{% set s = "<<<<<<<<<<<<<<<<" %}' + r('{% set s = s ~ s %}', 22) + '{{ s | escape | length }}', VALUE),
  njk('+ doubling', '{% set s = "<<<<<<<<<<<<<<<<" %}' + r('{% set s = s + s %}', 22), VALUE),
  njk('a long ~ chain', njkString(65536) + '{{ (' + r('s ~ ', 20) + 's) | length }}', VALUE),
  njk('a long + chain', njkString(65536) + '{{ (' + r('s + ', 20) + 's) | length }}', VALUE),
  njk('join filter doubling', '{% set s = "<<<<<<<<<<<<<<<<" %}' + r('{% set s = [s, s] | join %}', 22), VALUE),
  njk('join with a large separator', njkString(262144) + '{{ range(1000) | join(s) | length }}', VALUE),
  njk('join method with a large separator', njkString(262144) + '{{ range(1000).join(s) | length }}', VALUE),
  njk('replace filter growth', '{% set s = "<<<<<<<<<<<<<<<<" %}' + r('{% set s = s | replace("<", "<<") %}', 22), VALUE),
  njk('replace filter with an empty pattern', njkString(4096) + '{{ s | replace("", s) | length }}', VALUE),
  njk('replaceAll with $\' in the replacement', njkString(4096) + '{{ s.replaceAll(" ", "$\'") | length }}', VALUE),
  njk('replace with many $\' in the replacement', njkString(4096) + '{{ s.replace("x", "' + r("$'", 600) + '") | length }}', VALUE),
  njk('concat method growth', '{% set s = "<<<<<<<<<<<<<<<<" %}' + r('{% set s = s.concat(s, s, s) %}', 12), VALUE),
  njk('array concat doubling', '{% set a = range(16) %}' + r('{% set a = a.concat(a) %}', 20) + '{{ a | length }}', VALUE),
  njk('array literals in a loop', '{% set a = [1] %}{% for i in range(40) %}{% set a = a.concat(a, a) %}{% endfor %}', VALUE),
  njk('forceescape growth', '{% set s = "<<<<<<<<<<<<<<<<" %}' + r('{% set s = s ~ s %}', 15) + '{{ s | forceescape | length }}', VALUE),
  njk('center', '{{ "x" | center(100000000) }}', VALUE),
  njk('indent', '{{ "a\nb\nc" | indent(10000000) }}', VALUE),
  njk('urlize', '{% set s = "www.a " %}' + r('{% set s = s ~ s %}', 17) + '{{ s | urlize | length }}', VALUE),
  njk('urlencode', '{% set s = "<<<<<<<<<<<<<<<<" %}' + r('{% set s = s ~ s %}', 15) + '{{ s | urlencode | length }}', VALUE),
  njk('upper', '{% set s = "ßßßßßßßßßßßßßßßß" %}' + r('{% set s = s ~ s %}', 16) + '{{ s | upper | length }}', VALUE),
  njk('title', '{% set s = "ß ß ß ß ß ß ß ß " %}' + r('{% set s = s ~ s %}', 16) + '{{ s | title | length }}', VALUE),
  njk('nl2br', '{% set s = "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n" %}' + r('{% set s = s ~ s %}', 14) + '{{ s | nl2br | length }}', VALUE),
  njk('sum of strings', njkString(262144) + '{{ [s, s, s, s, s] | sum | length }}', VALUE),
  njk('truncate growing by its end text', njkString(65536) + '{% for i in range(100000) %}{% set s = s | truncate(1, true, s) %}{% endfor %}', PRODUCED),
  // Arrays holding an array twice, 30 levels deep: 2^30 leaves wherever they become text.
  njk('dump of a shared array', njkDag + '{{ a | dump | length }}', VALUE),
  njk('printing a shared array', njkDag + '{{ a }}', VALUE),
  njk('comparing a shared array', njkDag + '{{ a == "x" }}', VALUE),
  njk('a shared array as a number', njkDag + '{{ a | int }}', VALUE),
  njk('sorting shared arrays', njkDag + '{{ [a, a] | sort | length }}', VALUE),
  njk('a shared array as a key', njkDag + '{{ Deps[a] }}', VALUE),
  njk('a shared array searched for', njkDag + '{{ a in "x" }}', VALUE),
  njk('dump of a shared dict', '{% set d = {"k": "xxxxxxxxxxxxxxxx"} %}{% for i in range(30) %}{% set d = {"a": d, "b": d} %}{% endfor %}{{ d | dump | length }}', VALUE),
  njk('dump of a deeply nested array', '{% set a = [] %}{% for i in range(5000) %}{% set a = [a] %}{% endfor %}{{ a | dump(10) }}', DEPTH),
  // Arrays from strings, arguments and claimed lengths.
  njk('list of a long string', njkString(262144) + '{{ s | list | length }}', VALUE),
  njk('split of a long string', njkString(262144) + '{{ s.split("") | length }}', VALUE),
  njk('select over a long string', njkString(262144) + '{{ s | select | length }}', VALUE),
  njk('batch with a filler', '{{ [1] | batch(1000000000, "x") | length }}', VALUE),
  njk('slice filter', '{{ [1] | slice(1000000000) | length }}', VALUE),
  njk('range', '{{ range(1000000000) | length }}', VALUE),
  njk('a dict claiming a huge length', '{{ {"length": 1000000000} | sort | length }}', VALUE),
  // Linear-time filters whose nunjucks regular expressions backtrack quadratically.
  njk('striptags over unclosed tags', '{% set s = "<a<a<a<a<a<a<a<a" %}' + r('{% set s = s ~ s %}', 15) + '{{ (s | striptags) ~ (s | striptags) ~ (s | striptags) }}', VALUE),
  njk('trim over a long run of spaces', '{% set s = "x" ~ ("" | center(400000)) ~ "x" %}{{ (s | trim) ~ (s | trim) ~ (s | trim) }}', VALUE),
  njk('striptags keeping line breaks', '{% set s = "x" ~ ("" | center(400000)) ~ "x" %}{{ (s | striptags(true) | length) ~ s ~ s ~ s }}', VALUE),
  // Captures and macros.
  njk('set capture doubling', '{% set s = "<<<<<<<<<<<<<<<<" %}' + r('{% set s %}{{ s }}{{ s }}{% endset %}', 22), OUTPUT),
  njk('macro recursion', '{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}', DEPTH),
  njk('macro recursion through caller', '{% macro f() %}{% call f() %}x{% endcall %}{% endmacro %}{{ f() }}', DEPTH),
  njk('macro recursion with growth', '{% macro f(s) %}{{ f(s ~ s) }}{% endmacro %}{{ f("xxxxxxxxxxxxxxxx") }}', VALUE),
  // Many small growths.
  njk('a large value built again in a loop', njkString(65536) + '{% for i in range(100000) %}{% set t = s ~ i %}{% endfor %}', PRODUCED),
  njk('a value grown a little per iteration', '{% set s = "" %}{% for i in range(100000) %}{% set s = s ~ "xxxxxxxxxxxxxxxx" %}{% endfor %}', PRODUCED),
  // Time and output.
  njk('nested loops', njkLoops(''), TIME),
  njk('nested loops writing text', njkLoops('xxxxxxxxxxxxxxxx'), OUTPUT),
  // Deep nesting, refused at parse time.
  njk('nested ifs', r('{%if 1%}', 110) + 'x' + r('{%endif%}', 110), DEPTH),
  njk('nested parentheses', '{{ ' + r('(', 150) + '1' + r(')', 150) + ' }}', DEPTH),
  njk('nested brackets', '{{ ' + r('[', 150) + '1' + r(']', 150) + ' }}', DEPTH),
  njk('a long chain of not', '{{ ' + r('not ', 150) + '1 }}', DEPTH),
  njk('a long chain of minus', '{{ ' + r('-', 150) + '1 }}', DEPTH),
  njk('a long filter chain', '{{ "x"' + r(' | upper', 150) + ' }}', DEPTH),
  njk('a long lookup chain', '{{ Deps' + r('.a', 200) + ' }}', DEPTH),
  njk('a long elif chain', '{%if 0%}' + r('{%elif 0%}', 150) + '{%endif%}', DEPTH),
];

/** Sources over the source limit, generated (one is the 3.6 MB template that took 6 s to parse). */
const HUGE: HostileCase[] = [
  go('a source just over the limit', r('x', 64 * 1024 + 1), SOURCE),
  go('a 3.6 MB source of actions', r('{{ $x := 1 }}', 280_000), SOURCE),
  go('a 16 MB source', r('{{', 8 << 20), SOURCE),
  njk('a source just over the limit', r('x', 64 * 1024 + 1), SOURCE),
  njk('a 3.6 MB source of outputs', r('{{ x ~ y }}', 330_000), SOURCE),
  njk('a multi-byte source over the limit in UTF-8', r('é', 35_000), SOURCE),
];

export const HOSTILE_CORPUS: HostileCase[] = [...GO, ...NUNJUCKS, ...HUGE];
