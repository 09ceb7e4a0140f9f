#!/usr/bin/env node
// STAND-IN AGENT — not an AI. It lets you watch Dendrite run Tasks without an API key.
//
// Called like a real agent CLI, with the rendered prompt as its last argument, it waits a
// moment (so parallel Tasks are visibly parallel) and answers the way Claude Code does with
// `--output-format stream-json --verbose` (what Dendrite runs real agents with): JSON lines, the
// last a `result` holding the answer. The answer is built mechanically from the prompt and ends
// with the output block the prompt asks for:
//
//   ---AXON_OUTPUTS_START---
//   <one line per output; `key: value` lines also become Results>
//   ---AXON_OUTPUTS_END---
//
// Dendrite reads the answer as the Task's Response (dependents reach it as
// `.Deps.<name>.Response`) and the block inside it as its Outputs and Results.
// What it "answers": the nouns listed in parentheses in the prompt, e.g.
// "(projects, tasks, comments, users)", become REST endpoints when the prompt asks for
// endpoints, a `schema:` line when the prompt asks for one, and otherwise it summarises the
// list items and the `Schema:` line its prompt received from its dependencies.
// Run in a clone (a Task with a Workspace), it also checks out the branch its prompt names
// ("a branch named research/x"), as a real agent leaves its work, so that the capture step
// reports `branch: research/x` to the Tasks that depend on it.
// To use a real agent instead, drop `--agent` (the type's own CLI runs) or pass your own.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const prompt = process.argv.at(-1) ?? '';
const delayMs = 400 + Math.floor(Math.random() * 800);

const singular = (noun) => noun.replace(/ies$/, 'y').replace(/s$/, '');
const title = (word) => word.charAt(0).toUpperCase() + word.slice(1);

function entities(text) {
  const list = /\(([a-z]+(?:,\s*[a-z]+)+)\)/i.exec(text);
  return list ? list[1].split(',').map((n) => n.trim().toLowerCase()) : [];
}

function endpoints(nouns) {
  const [parent, ...children] = nouns;
  if (!parent) return [];
  const lines = [`GET /${parent} - list ${parent} (paginated)`, `POST /${parent} - create a ${singular(parent)}`];
  for (const child of children) lines.push(`GET /${parent}/{id}/${child} - list the ${child} of a ${singular(parent)}`);
  return lines;
}

function schema(nouns) {
  const [parent, ...children] = nouns.map((n) => title(singular(n)));
  if (!parent) return 'schema: Item(id, name)';
  const parts = [`${parent}(id, name)`];
  for (const child of children) parts.push(`1-n ${child}(id, ${parent.toLowerCase()}_id)`);
  return `schema: ${parts.join(' ')}`;
}

function summary(text) {
  const items = text.split('\n').filter((line) => /^\s*- \S/.test(line));
  const schemaLine = /^\s*Schema:\s*(.+)$/m.exec(text);
  const lines = [`design: ${items.length} endpoints checked against the data model`];
  if (schemaLine) lines.push(`model: ${schemaLine[1].trim()}`);
  lines.push('open-questions: none found by the stand-in agent');
  return lines;
}

const nouns = entities(prompt);
let outputs;
let sentence;
if (/endpoint/i.test(prompt) && !/Schema:/.test(prompt)) {
  outputs = endpoints(nouns);
  sentence = `I propose ${outputs.length} endpoints for ${nouns.join(', ') || 'the service'}, REST style, lists paginated.`;
} else if (/schema: /i.test(prompt) && !/Schema:\s*\S/.test(prompt)) {
  outputs = [schema(nouns)];
  sentence = `The data model has ${nouns.length || 1} entities, each owned by the first.`;
} else {
  outputs = summary(prompt);
  sentence = 'The design combines the research it was given; the stand-in found no open questions.';
}

const answer = [
  '[stand-in agent: no model was called; pass --agent to run a real one]',
  sentence,
  '',
  '---AXON_OUTPUTS_START---',
  ...outputs,
  '---AXON_OUTPUTS_END---',
].join('\n');
// Rough token counts, as a real agent would report its usage (about four characters a token).
const usage = { input_tokens: Math.ceil(prompt.length / 4), output_tokens: Math.ceil(answer.length / 4) };
const session = `stand-in-${process.pid}`;
const line = (event) => console.log(JSON.stringify(event));

const branch = /\bbranch\s+(?:named|called)\s+`?([\w./-]*\w)`?/i.exec(prompt)?.[1];
// Only in a clone of its own (.git right here), never in a repository further up.
if (branch && existsSync('.git')) {
  try {
    execFileSync('git', ['checkout', '-q', '-b', branch], { stdio: 'ignore' });
  } catch {
    // not in a clone, or the branch exists: nothing to show
  }
}

setTimeout(() => {
  line({ type: 'system', subtype: 'init', model: 'stand-in', tools: [], session_id: session });
  line({ type: 'assistant', message: { role: 'assistant', model: 'stand-in', content: [{ type: 'text', text: answer }], usage }, session_id: session });
  line({ type: 'result', subtype: 'success', is_error: false, num_turns: 1, duration_ms: delayMs, result: answer, session_id: session, usage });
}, delayMs);
