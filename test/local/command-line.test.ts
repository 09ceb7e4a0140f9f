import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgentResolver, findOnPath } from '../../shared/local/agents.js';
import { splitCommandLine } from '../../shared/local/command-line.js';

test('--agent is split into words like a shell would, without expanding anything', () => {
  const cases: Array<[string, string[]]> = [
    ['node agent.mjs', ['node', 'agent.mjs']],
    ['  node   agent.mjs  ', ['node', 'agent.mjs']],
    [`"/path with spaces/node" 'a b' c\\ d`, ['/path with spaces/node', 'a b', 'c d']],
    [`say "it's \\"fine\\"" '$HOME' ~ *`, ['say', `it's "fine"`, '$HOME', '~', '*']],
    [`a "" ''`, ['a', '', '']],
    ['x="1 2"y', ['x=1 2y']],
    ['', []],
  ];
  for (const [line, words] of cases) assert.deepEqual(splitCommandLine(line), words, line);
  assert.throws(() => splitCommandLine('a "b'), /unterminated double quote/);
  assert.throws(() => splitCommandLine("a 'b"), /unterminated single quote/);
});

test('each agent type maps to its own CLI when it is on PATH, else a clear error says what to install', () => {
  const bin = mkdtempSync(join(tmpdir(), 'dendrite-bin-'));
  writeFileSync(join(bin, 'codex'), '#!/bin/sh\n');
  chmodSync(join(bin, 'codex'), 0o755);
  writeFileSync(join(bin, 'gemini'), 'not executable');
  const resolve = createAgentResolver({ pathList: `/nonexistent:${bin}` });
  // Machine-readable output on, as the agent images run the CLIs; the model before the prompt.
  assert.deepEqual(resolve('codex'), ['codex', 'exec', '--json']);
  assert.deepEqual(resolve('codex', 'gpt-5'), ['codex', 'exec', '--json', '--model', 'gpt-5']);
  assert.throws(() => resolve('gemini'), /gemini Tasks run `gemini`, which is not on PATH\. Install Gemini CLI/);
  assert.throws(() => resolve('claude-code'), /Install Claude Code: npm install -g @anthropic-ai\/claude-code, or pass --agent/);
  assert.equal(findOnPath('codex', bin), join(bin, 'codex'));
  assert.equal(findOnPath('gemini', bin), null);
  // --agent is used for every type, whatever is on PATH.
  const custom = createAgentResolver({ agent: 'my-agent --flag', pathList: '' });
  assert.deepEqual(custom('opencode'), ['my-agent', '--flag']);
  assert.throws(() => createAgentResolver({ agent: '   ', pathList: '' }), /--agent is empty/);
});
