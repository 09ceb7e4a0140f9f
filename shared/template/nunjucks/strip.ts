/**
 * Linear-time equivalents of the regular expressions nunjucks's `trim` and `striptags` filters
 * use. Those backtrack quadratically on long runs of spaces (`\s*$`, ` +$` with the m flag) or
 * of unclosed tags (`<a<a<a…` against `<\/?[a-z][a-z0-9]*\b[^>]*>`): 64 K characters already
 * take seconds inside one native call, where no time limit can stop them.
 */

/** `s.replace(/^\s*|\s*$/g, '')`: the regex's \s is the set String.prototype.trim removes. */
export function trimText(s: string): string {
  return s.trim();
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isAsciiAlnum(c: number): boolean {
  return isAsciiLetter(c) || (c >= 0x30 && c <= 0x39);
}

/**
 * `s.replace(/<\/?([a-z][a-z0-9]*)\b[^>]*>|<!--[\s\S]*?-->/gi, '')`. At each "<": a tag is
 * "<", an optional "/", an ASCII letter, letters/digits up to a non-word character (the \b:
 * backtracking cannot help, every shorter run ends before a letter or digit), then everything
 * to the next ">"; else a comment runs from "<!--" to the next "-->". The next ">" and "-->"
 * are found once and reused while the scan is before them, so the whole pass is linear.
 */
export function removeTags(s: string): string {
  let out = '';
  let kept = 0;
  let gt = -2; // index of the next ">" at or after the scan, -1 when there is none, -2 unknown
  let close = -2; // same for "-->"
  for (let i = s.indexOf('<'); i >= 0 && i < s.length; i = s.indexOf('<', i)) {
    let end = -1;
    let j = i + 1;
    if (s.charCodeAt(j) === 0x2f) j++;
    if (isAsciiLetter(s.charCodeAt(j))) {
      j++;
      while (j < s.length && isAsciiAlnum(s.charCodeAt(j))) j++;
      if (s.charCodeAt(j) !== 0x5f) {
        if (gt !== -1 && gt < j) gt = s.indexOf('>', j);
        if (gt >= 0) end = gt + 1;
      }
    } else if (s.startsWith('<!--', i)) {
      if (close !== -1 && close < i + 4) close = s.indexOf('-->', i + 4);
      if (close >= 0) end = close + 3;
    }
    if (end < 0) {
      i++;
      continue;
    }
    out += s.slice(kept, i);
    kept = i = end;
  }
  return kept === 0 ? s : out + s.slice(kept);
}

/** `s.replace(/^ +| +$/gm, '')`: spaces at the start and end of every line. */
export function trimLineSpaces(s: string): string {
  return s.replace(/[^\n\r\u2028\u2029]+/g, (line) => {
    let a = 0;
    let b = line.length;
    while (a < b && line.charCodeAt(a) === 0x20) a++;
    while (b > a && line.charCodeAt(b - 1) === 0x20) b--;
    return line.slice(a, b);
  });
}

/** The text of nunjucks's striptags filter, built in linear time. */
export function stripTagsText(input: string, preserveLinebreaks: unknown): string {
  const trimmed = trimText(removeTags(input));
  if (!preserveLinebreaks) return trimmed.replace(/\s+/g, ' ');
  return trimLineSpaces(trimmed).replace(/ +/g, ' ').replace(/\r\n/g, '\n').replace(/\n\n\n+/g, '\n\n');
}
