/**
 * Everything a finished agent's log says, in one place: its answer (Response), usage and
 * failure from its own format, and the output block — printed on lines of the log (a plain
 * command, or the agent image's capture step) and/or inside the answer itself (an agent asked
 * to print the markers prints them into its reply, which its format wraps in JSON). The block
 * inside the answer is taken out of the Response: it is the Outputs. The capture step's block
 * (branch, pull requests) is merged after the agent's, never in its place.
 */
import { aroundLastBlock, parseOutputs, resultsOf, type ParsedOutputs } from '../outputs/parse.js';
import type { AgentType } from '../task/model.js';
import { claudeCode } from './claude-code.js';
import { codex } from './codex.js';
import type { AgentFormat, Usage } from './format.js';
import { gemini } from './gemini.js';
import { opencode } from './opencode.js';

export type { Usage } from './format.js';

export const AGENT_FORMATS: Record<AgentType, AgentFormat> = {
  'claude-code': claudeCode,
  codex,
  gemini,
  opencode,
};

/** The largest Response recorded; a longer answer keeps its end (where conclusions are). */
export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface AgentReport {
  outputs: string[] | null;
  results: Record<string, string> | null;
  response: string;
  usage: Usage | null;
  /** The agent reported a failure of its own (the Task fails with this, whatever the exit code). */
  failure: string | null;
}

/** Outputs of the first block, then those of the second; results merged, the latter winning. */
function merge(first: ParsedOutputs | null, second: ParsedOutputs | null): ParsedOutputs | null {
  if (!first || !second) return first ?? second;
  const outputs = [...first.outputs, ...second.outputs];
  return { outputs, results: resultsOf(outputs) };
}

/**
 * Kelos prints the agent's answer as a base64 `response:` line of the block, which a template
 * cannot decode: it becomes the Response (when the log gave none) and leaves the outputs.
 */
function kelosResponse(parsed: ParsedOutputs): { parsed: ParsedOutputs; response?: string } {
  const encoded = parsed.results.response;
  if (encoded === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return { parsed };
  const outputs = parsed.outputs.filter((line) => !line.startsWith('response: '));
  return { parsed: { outputs, results: resultsOf(outputs) }, response: Buffer.from(encoded, 'base64').toString('utf8') };
}

/** A plain log's answer: what follows its output block, else everything but the block. */
function plainResponse(log: string): string {
  const around = aroundLastBlock(log);
  if (!around) return log.trim();
  return around.after.trim() || around.before.trim();
}

/** At most `max` UTF-8 bytes, keeping the end; a cut says how much went. */
export function capResponse(response: string, max = MAX_RESPONSE_BYTES): string {
  const bytes = Buffer.byteLength(response);
  if (bytes <= max) return response;
  const kept = Buffer.from(response).subarray(bytes - max + 64).toString('utf8').replace(/^\uFFFD+/, '');
  return `[… the first ${bytes - Buffer.byteLength(kept)} bytes of the response were cut …]\n${kept}`;
}

/** Lines only a capture step prints (the agent image's capture-outputs.sh): the branch left checked out, its pull requests. */
const CAPTURE_LINE = /^(branch|pr): \S/;

/**
 * The capture step's block, printed last after the agent exits, split from the log before it.
 * Without this, an agent that prints its own block on log lines (a plain command) would lose
 * it to the capture's: the last block wins.
 */
function splitCapture(log: string): { agentLog: string; capture: ParsedOutputs } | null {
  const last = parseOutputs(log);
  if (!last || last.outputs.length === 0 || !last.outputs.every((line) => CAPTURE_LINE.test(line))) return null;
  const around = aroundLastBlock(log);
  if (!around || around.after.trim() !== '') return null;
  return { agentLog: around.before, capture: last };
}

/**
 * The answer in the agent type's own format, else in whichever format the log is recognisably
 * in (a `--agent` command or a custom image may speak another CLI's), else none (a plain log).
 */
function answerOf(type: AgentType | undefined, log: string) {
  const first = type ? AGENT_FORMATS[type].read(log) : null;
  if (first) return first;
  for (const [other, format] of Object.entries(AGENT_FORMATS)) {
    if (other === type) continue;
    const answer = format.read(log);
    if (answer) return answer;
  }
  return null;
}

/**
 * The answer's own output block, and the answer without it: what the agent reported goes to
 * Outputs/Results once, what it said stays the Response (dependents get both, without repeats).
 */
function splitAnswer(answer: string): { prose: string; block: ParsedOutputs | null } {
  const block = parseOutputs(answer);
  const around = block ? aroundLastBlock(answer) : null;
  return { prose: around ? `${around.before.trimEnd()}\n${around.after.trimStart()}`.trim() : answer, block };
}

export function readAgentLog(type: AgentType | undefined, log: string): AgentReport {
  const split = splitCapture(log);
  const agentLog = split ? split.agentLog : log;
  const answer = answerOf(type, agentLog);
  const own = answer ? splitAnswer(answer.response) : { prose: plainResponse(agentLog), block: null };
  const response = own.prose;
  let parsed = merge(merge(own.block, parseOutputs(agentLog)), split?.capture ?? null);
  let decoded: string | undefined;
  if (parsed) ({ parsed, response: decoded } = kelosResponse(parsed));
  return {
    outputs: parsed?.outputs ?? null,
    results: parsed?.results ?? null,
    response: capResponse((response.trim() === '' && decoded) || response),
    usage: answer?.usage ?? null,
    failure: answer?.failure ?? null,
  };
}
