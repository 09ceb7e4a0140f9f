/**
 * strconv.Quote on ASCII, written into one buffer (shared/template/go/strconv.ts): the same text
 * as Go's (the expectations are what Go 1.19 prints), and linear on a string that is nearly all
 * escapes — the shape a template doubling a string with %q builds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quote } from '../../shared/template/go/strconv.js';

test('ASCII quoting matches Go: quotes, backslashes, every control escape, DEL, plain text untouched', () => {
  const cases: Array<[string, string]> = [
    ['a"b\\c\n\x00\x7f\t\x07\b\f\r\v\x1b', '"a\\"b\\\\c\\n\\x00\\x7f\\t\\a\\b\\f\\r\\v\\x1b"'],
    ['plain text', '"plain text"'],
    ['', '""'],
    ["'single' \"double\"", '"\'single\' \\"double\\""'],
    ['\\\\""', '"\\\\\\\\\\"\\""'],
  ];
  for (const [input, go] of cases) {
    assert.equal(quote(input), go, JSON.stringify(input));
    assert.equal(quote(input, true), go, `QuoteToASCII ${JSON.stringify(input)}`);
  }
});

test('quoting its own output twenty times gives what the escape rule predicts, every time', () => {
  let s = '"';
  for (let i = 0; i < 20; i++) {
    const next = quote(s);
    // Each quote and backslash gains a backslash; two quotes wrap it.
    const escapes = [...s].filter((c) => c === '"' || c === '\\').length;
    assert.equal(next.length, s.length + escapes + 2);
    s = next;
  }
  assert.ok(s.length > 1_000_000);
  assert.equal(s.slice(0, 4), '"\\"\\');
});
