import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOutputs, resultsOf, type ParsedOutputs } from '../../shared/outputs/parse.js';

const START = '---AXON_OUTPUTS_START---';
const END = '---AXON_OUTPUTS_END---';

const cases: Array<{ name: string; log: string; expected: ParsedOutputs | null }> = [
  { name: 'an empty log', log: '', expected: null },
  { name: 'a log without markers', log: 'working...\ndone\n', expected: null },
  { name: 'a start marker without an end marker', log: `${START}\nbranch: x\n`, expected: null },
  { name: 'an end marker before the start marker', log: `${END}\n${START}\nbranch: x\n`, expected: null },
  { name: 'an end marker alone', log: `x\n${END}\n`, expected: null },
  {
    name: 'markers inside longer lines (Axon would match them; an echoed prompt must not)',
    log: `Print ${START} first\nbranch: x\nthen print ${END}\n`,
    expected: null,
  },
  {
    name: 'markers inside a JSON log line',
    log: `{"type":"text","text":"${START}\\nschema: x\\n${END}"}\n`,
    expected: null,
  },
  { name: 'an empty block', log: `${START}\n${END}\n`, expected: { outputs: [], results: {} } },
  { name: 'a block of blank lines', log: `${START}\n  \n\t\n\n${END}`, expected: { outputs: [], results: {} } },
  {
    name: 'a block in a noisy log',
    log: `starting\nthinking\n${START}\nbranch: feature-1\npr: https://example.com/pull/2\n${END}\nexit 0\n`,
    expected: {
      outputs: ['branch: feature-1', 'pr: https://example.com/pull/2'],
      results: { branch: 'feature-1', pr: 'https://example.com/pull/2' },
    },
  },
  {
    name: 'the seed research output',
    log: `${START}\nGET /projects - list projects\nPOST /projects - create a project\n${END}\n`,
    expected: { outputs: ['GET /projects - list projects', 'POST /projects - create a project'], results: {} },
  },
  {
    name: 'lines trimmed, blank lines dropped',
    log: `${START}\n   first line  \n\n\t second\t\n${END}\n`,
    expected: { outputs: ['first line', 'second'], results: {} },
  },
  {
    name: 'marker lines with surrounding whitespace and CRLF endings',
    log: `log\r\n   ${START}  \r\nschema: users(id)\r\n\t${END}\r\n`,
    expected: { outputs: ['schema: users(id)'], results: { schema: 'users(id)' } },
  },
  {
    name: 'a log without a trailing newline',
    log: `${START}\na: 1\n${END}`,
    expected: { outputs: ['a: 1'], results: { a: '1' } },
  },
  {
    name: 'the Kelos markers',
    log: `---KELOS_OUTPUTS_START---\nbranch: k\n---KELOS_OUTPUTS_END---\n`,
    expected: { outputs: ['branch: k'], results: { branch: 'k' } },
  },
  {
    name: 'the last of several complete blocks',
    log: `${START}\nbranch: old\n${END}\nretrying\n${START}\nbranch: new\n${END}\n`,
    expected: { outputs: ['branch: new'], results: { branch: 'new' } },
  },
  {
    name: 'the last complete block, not a later unclosed one',
    log: `${START}\nbranch: done\n${END}\n${START}\nbranch: cut off\n`,
    expected: { outputs: ['branch: done'], results: { branch: 'done' } },
  },
  {
    name: 'a repeated start line: the block begins at the nearest one',
    log: `${START}\nstale\n${START}\nfresh\n${END}\n`,
    expected: { outputs: ['fresh'], results: {} },
  },
  {
    name: 'a stray end line after a block is ignored',
    log: `${START}\nkept\n${END}\nmore\n${END}\n`,
    expected: { outputs: ['kept'], results: {} },
  },
  {
    name: 'key/value rules: first ": " splits, key trimmed, empty key skipped, last duplicate wins',
    log:
      `${START}\nmessage: hello: world\nname : spaced\n: no key\n   : still no key\nurl:http://x\n` +
      `pr: 1\npr: 2\nplain line\n${END}\n`,
    expected: {
      outputs: [
        'message: hello: world',
        'name : spaced',
        ': no key',
        ': still no key',
        'url:http://x',
        'pr: 1',
        'pr: 2',
        'plain line',
      ],
      results: { message: 'hello: world', name: 'spaced', pr: '2' },
    },
  },
  {
    name: 'a key/value line with an empty value',
    log: `${START}\nk: \n${END}\n`,
    // The line is trimmed first, so "k: " becomes "k:" and has no separator left.
    expected: { outputs: ['k:'], results: {} },
  },
  {
    name: 'a value keeps its inner spacing',
    log: `${START}\nk:   spaced value\n${END}\n`,
    expected: { outputs: ['k:   spaced value'], results: { k: '  spaced value' } },
  },
];

for (const { name, log, expected } of cases) {
  test(`parseOutputs: ${name}`, () => {
    assert.deepEqual(parseOutputs(log), expected);
  });
}

test('parseOutputs: a "__proto__" key is an ordinary result, not a prototype', () => {
  const parsed = parseOutputs(`${START}\n__proto__: polluted\nconstructor: c\n${END}\n`);
  assert.ok(parsed);
  assert.equal(Object.getPrototypeOf(parsed.results), Object.prototype);
  assert.deepEqual(Object.keys(parsed.results), ['__proto__', 'constructor']);
  assert.equal(Object.getOwnPropertyDescriptor(parsed.results, '__proto__')?.value, 'polluted');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('parseOutputs: a 5 MB log with the block at the end', () => {
  const noise = 'x'.repeat(99) + '\n';
  const log = noise.repeat(50_000) + `${START}\nschema: big\n${END}\n`;
  assert.ok(log.length > 5_000_000);
  assert.deepEqual(parseOutputs(log), { outputs: ['schema: big'], results: { schema: 'big' } });
});

test('parseOutputs: a 5 MB single line and a 5 MB line of spaces hold no block', () => {
  assert.equal(parseOutputs('-'.repeat(5_000_000)), null);
  assert.equal(parseOutputs(' '.repeat(5_000_000) + '\n' + START), null);
});

test('resultsOf builds results from already-trimmed lines', () => {
  assert.deepEqual(resultsOf(['a: 1', 'b', 'a: 3', 'c: x: y']), { a: '3', c: 'x: y' });
  assert.deepEqual(resultsOf([]), {});
});
