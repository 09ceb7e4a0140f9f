// Each agent CLI's own log format → the answer (Response), usage, the agent's own failure, and
// the output block it printed inside its answer. Fixtures: test/fixtures/agent-logs/.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AGENT_FORMATS, capResponse, MAX_RESPONSE_BYTES, readAgentLog } from '../../shared/agents/report.js';
import { events } from '../../shared/agents/format.js';
import { AGENT_TYPES, type AgentType } from '../../shared/task/model.js';

const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/agent-logs/${name}.jsonl`, import.meta.url), 'utf8');

const ANSWER_START = 'I checked the layout and propose these endpoints.';
const BLOCK = { outputs: ['GET /projects - list projects (paginated)', 'POST /projects - create a project', 'style: REST'], results: { style: 'REST' } };

const expectedUsage: Record<AgentType, { inputTokens: number; outputTokens: number; costUSD?: number }> = {
  'claude-code': { inputTokens: 2440, outputTokens: 309, costUSD: 0.04213 },
  codex: { inputTokens: 11123, outputTokens: 389 },
  gemini: { inputTokens: 3900, outputTokens: 421 },
  opencode: { inputTokens: 4060, outputTokens: 348, costUSD: 0.0153 },
};

const expectedFailure: Record<AgentType, RegExp> = {
  'claude-code': /^agent reported error_max_turns after 3 turns$/,
  codex: /^agent reported a failed turn: unexpected status 401 Unauthorized: Missing bearer/,
  gemini: /^agent reported an error: FatalAuthenticationError: GEMINI_API_KEY environment variable not found\.$/,
  opencode: /^agent reported an error: ProviderAuthError: Invalid API key$/,
};

describe('agent output formats', () => {
  for (const type of AGENT_TYPES) {
    it(`${type}: the answer, its output block and the usage`, () => {
      const report = readAgentLog(type, fixture(`${type}-success`));
      // The prose is the Response; the block it ended with is the Outputs, not repeated in it.
      assert.equal(report.response, ANSWER_START);
      assert.deepEqual({ outputs: report.outputs, results: report.results }, BLOCK);
      const usage = report.usage!;
      assert.equal(usage.inputTokens, expectedUsage[type].inputTokens);
      assert.equal(usage.outputTokens, expectedUsage[type].outputTokens);
      if (expectedUsage[type].costUSD === undefined) assert.equal(usage.costUSD, undefined);
      else assert.ok(Math.abs(usage.costUSD! - expectedUsage[type].costUSD!) < 1e-9, `cost ${usage.costUSD}`);
      assert.equal(report.failure, null);
    });

    it(`${type}: a failure the agent reports itself`, () => {
      const report = readAgentLog(type, fixture(`${type}-failure`));
      assert.match(String(report.failure), expectedFailure[type]);
      assert.equal(report.outputs, null);
    });

    it(`${type}: garbled and truncated lines are skipped, never fatal`, () => {
      const log = fixture(`${type}-success`);
      // The tail read may start mid-line; a line may be cut or corrupted anywhere.
      const mangled = log.slice(37).split('\n').map((line, i) => (i === 2 ? line.slice(0, line.length / 2) : line)).join('\n') + '\n{"type": oops\n\u0000\u0001 binary junk\n';
      const report = readAgentLog(type, mangled);
      assert.ok(report.response.startsWith(ANSWER_START));
      assert.deepEqual(report.outputs, BLOCK.outputs);
    });

    it(`${type}: its events read as lines for people (text, tool calls, the outcome), never raw JSON`, () => {
      const format = AGENT_FORMATS[type];
      const lines = [...events(fixture(`${type}-success`)), ...events(fixture(`${type}-failure`))].flatMap((e) => format.describe(e));
      assert.ok(lines.length >= 3, `${type}: ${lines.length} lines`);
      assert.ok(lines.some((l) => l.startsWith('→ ')), 'a tool call is shown');
      assert.ok(lines.some((l) => l.startsWith('✗ ')), 'the failure is shown');
      assert.ok(lines.includes('---AXON_OUTPUTS_END---'), 'the answer is shown');
      assert.ok(lines.every((l) => !l.startsWith('{') && !l.includes('\n')), 'one line each, no raw JSON');
    });
  }

  it('a log in another CLI\'s format is still read (an --agent command or custom image may speak one); a plain log is claimed by none', () => {
    for (const type of AGENT_TYPES) {
      const report = readAgentLog('codex', fixture(`${type}-success`));
      assert.ok(report.response.startsWith(ANSWER_START), `${type} log read for a codex Task`);
      assert.deepEqual(report.outputs, BLOCK.outputs);
    }
    const plain = 'Working.\n{"not": "an event"}\n{"type": "unknown.kind"}\nDone.\n';
    for (const format of Object.values(AGENT_FORMATS)) assert.equal(format.read(plain), null);
  });

  it('a plain log (custom image, --agent command) answers with what follows its block, else everything but the block', () => {
    const after = readAgentLog(undefined, 'working…\n---AXON_OUTPUTS_START---\nbranch: x\n---AXON_OUTPUTS_END---\nAll done: the branch is pushed.\n');
    assert.equal(after.response, 'All done: the branch is pushed.');
    assert.deepEqual(after.results, { branch: 'x' });
    const before = readAgentLog('claude-code', 'The design is ready.\n---AXON_OUTPUTS_START---\nbranch: x\n---AXON_OUTPUTS_END---\n');
    assert.equal(before.response, 'The design is ready.');
    assert.equal(readAgentLog(undefined, 'just text\n').response, 'just text');
    assert.equal(readAgentLog(undefined, '').response, '');
  });

  it('the agent image\'s capture block on the log\'s lines is merged with the block inside the answer', () => {
    const log = `${fixture('claude-code-success')}---AXON_OUTPUTS_START---\nbranch: feature/x\nstyle: from-capture\n---AXON_OUTPUTS_END---\n`;
    const report = readAgentLog('claude-code', log);
    assert.deepEqual(report.outputs, [...BLOCK.outputs, 'branch: feature/x', 'style: from-capture']);
    assert.deepEqual(report.results, { style: 'from-capture', branch: 'feature/x' });
  });

  it('a plain agent\'s own block on the log\'s lines is kept when the capture step prints its block after it', () => {
    const agent = 'Done.\n---AXON_OUTPUTS_START---\nschema: Project(id)\nbranch: agent-said\n---AXON_OUTPUTS_END---\n';
    const capture = '---AXON_OUTPUTS_START---\nbranch: feature/x\npr: https://github.com/o/r/pull/7\n---AXON_OUTPUTS_END---\n';
    const report = readAgentLog(undefined, agent + capture);
    assert.deepEqual(report.outputs, ['schema: Project(id)', 'branch: agent-said', 'branch: feature/x', 'pr: https://github.com/o/r/pull/7']);
    assert.deepEqual(report.results, { schema: 'Project(id)', branch: 'feature/x', pr: 'https://github.com/o/r/pull/7' }, 'the capture, printed last, wins a shared key');
    assert.equal(report.response, 'Done.', 'neither block is part of the answer');
    // A capture block alone, and a last block that is not a capture's: as before, the last block.
    assert.deepEqual(readAgentLog(undefined, `text\n${capture}`).outputs, ['branch: feature/x', 'pr: https://github.com/o/r/pull/7']);
    const notCapture = '---AXON_OUTPUTS_START---\nfinal: yes\n---AXON_OUTPUTS_END---\n';
    assert.deepEqual(readAgentLog(undefined, agent + notCapture).outputs, ['final: yes']);
  });

  it('a Kelos base64 `response:` line becomes the Response and leaves the outputs', () => {
    const encoded = Buffer.from('The answer, with "quotes" and ✓ unicode.\nSecond line.').toString('base64');
    const report = readAgentLog(undefined, `---KELOS_OUTPUTS_START---\nbranch: x\nresponse: ${encoded}\n---KELOS_OUTPUTS_END---\n`);
    assert.equal(report.response, 'The answer, with "quotes" and ✓ unicode.\nSecond line.');
    assert.deepEqual(report.outputs, ['branch: x']);
    assert.deepEqual(report.results, { branch: 'x' });
    // Not base64: an ordinary result.
    assert.deepEqual(readAgentLog(undefined, '---AXON_OUTPUTS_START---\nresponse: not base64!\n---AXON_OUTPUTS_END---\n').results, { response: 'not base64!' });
  });

  it('a claude result without its text falls back to what the agent last said', () => {
    const report = readAgentLog('claude-code', fixture('claude-code-success').split('\n').filter((l) => !l.includes('"type":"result"')).join('\n'));
    assert.ok(report.response.startsWith(ANSWER_START));
    assert.equal(report.usage, null);
  });

  it('a long answer keeps its end, says what was cut, and fits the cap', () => {
    const long = `${'beginning '.repeat(20_000)}THE CONCLUSION ✓`;
    const capped = capResponse(long);
    assert.ok(Buffer.byteLength(capped) <= MAX_RESPONSE_BYTES, `${Buffer.byteLength(capped)} bytes`);
    assert.match(capped, /^\[… the first \d+ bytes of the response were cut …\]\n/);
    assert.ok(capped.endsWith('THE CONCLUSION ✓'));
    assert.equal(capResponse('short'), 'short');
  });

  it('a 50 MB log is read in bounded memory', () => {
    const line = JSON.stringify({ type: 'assistant', message: { content: [{ type: 'text', text: 'x'.repeat(1000) }] } });
    const big = `${line}\n`.repeat(50 * 1024) + fixture('claude-code-success');
    const before = process.memoryUsage().rss;
    const report = readAgentLog('claude-code', big);
    assert.ok(report.response.startsWith(ANSWER_START));
    assert.ok(process.memoryUsage().rss - before < 256 * 1024 * 1024, 'reading does not hold the log\'s lines');
  });
});
