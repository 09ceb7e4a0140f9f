/**
 * Reading the Dockerfile and .dockerignore well enough to check them without a Docker engine:
 * stages and their instructions, and which files the build context holds.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** Stages in order; continuation lines joined, comments and blank lines dropped. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1).trim()} ${lines[++i]!.trim()}`;
    const match = /^(\w+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`Dockerfile line ${start}: cannot read "${line}"`);
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`Dockerfile line ${start}: cannot read FROM ${args}`);
      stages.push({ image: from[1]!, name: from[2], instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile line ${start}: ${keyword} before FROM`);
    stage.instructions.push({ keyword, args, line: start });
  }
  return stages;
}

export interface Copy {
  from?: string;
  sources: string[];
  dest: string;
}

export function parseCopy(args: string): Copy {
  const words = args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
  let from: string | undefined;
  const rest: string[] = [];
  for (const word of words) {
    const flag = /^--from=(.+)$/.exec(word);
    if (flag) from = flag[1];
    else if (word.startsWith('--')) throw new Error(`COPY flag ${word} is not understood by this check`);
    else rest.push(word);
  }
  const dest = rest.pop();
  if (!dest || rest.length === 0) throw new Error(`COPY ${args}: needs sources and a destination`);
  return { from, sources: rest, dest };
}

/** Exec-form CMD / ENTRYPOINT as a list of words. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((w) => typeof w === 'string')) throw new Error(`not an exec form: ${args}`);
  return parsed as string[];
}

function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*' && pattern[i + 1] === '*') {
      // `**/` is any number of directories (also none); a trailing `**` is anything.
      if (pattern[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // A pattern naming a directory also excludes everything under it.
  return new RegExp(`^${out}(?:/.*)?$`);
}

interface IgnoreRule {
  negate: boolean;
  pattern: string;
  regexp: RegExp;
}

function ignoreRules(text: string): IgnoreRule[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negate, pattern, regexp: globToRegExp(pattern) };
    });
}

/** Docker's rule: the last pattern that matches a path decides; `!` re-includes. */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = ignoreRules(text);
  return (path) => {
    let excluded = false;
    for (const rule of rules) if (rule.regexp.test(path)) excluded = !rule.negate;
    return excluded;
  };
}

/**
 * The files the build context sends, relative to `root`. The .dockerignore must be an allowlist
 * (`**` first, then `!` patterns), so only the allowed patterns' fixed leading parts are walked.
 */
export function contextFiles(root: string, dockerignoreText: string): string[] {
  const rules = ignoreRules(dockerignoreText);
  if (rules[0]?.pattern !== '**' || rules[0].negate) throw new Error('.dockerignore must start with ** (an allowlist)');
  const excluded = dockerignore(dockerignoreText);
  const starts = rules.filter((r) => r.negate).map((r) => r.pattern.split('/').filter((part) => !/[*?[]/.test(part)).join('/'));
  const out = new Set<string>();
  const walk = (rel: string) => {
    const path = join(root, rel);
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      return;
    }
    if (stat.isSymbolicLink()) return;
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) walk(rel ? join(rel, entry) : entry);
    } else if (!excluded(rel)) {
      out.add(rel);
    }
  };
  for (const start of starts) walk(start);
  return [...out].sort();
}
