/**
 * Claude Code with `--output-format stream-json --verbose`: one JSON object per line — `system`
 * (init), `assistant` and `user` messages (text, tool calls, tool results) — ending with
 * `{"type":"result", "subtype", "is_error", "result", "num_turns", "total_cost_usd", "usage"}`.
 * A run that ran out of turns or failed says so in its result, often with exit code 0.
 */
import { count, events, field, headline, lines, text, toolLine, type AgentAnswer, type AgentFormat, type JsonObject } from './format.js';

/** Text blocks of an assistant message, joined. */
function assistantText(event: JsonObject): string {
  const content = field(field(event, 'message'), 'content');
  if (!Array.isArray(content)) return '';
  return content
    .filter((c) => field(c, 'type') === 'text')
    .map((c) => text(field(c, 'text')))
    .join('');
}

function failureOf(result: JsonObject): string | null {
  const subtype = text(result.subtype);
  if (result.is_error !== true && (subtype === '' || subtype === 'success')) return null;
  const turns = typeof result.num_turns === 'number' ? ` after ${result.num_turns} turn${result.num_turns === 1 ? '' : 's'}` : '';
  if (subtype && subtype !== 'success') return `agent reported ${subtype}${turns}`;
  const why = headline(text(result.result));
  return `agent reported an error${turns}${why ? `: ${why}` : ''}`;
}

export const claudeCode: AgentFormat = {
  read(log: string): AgentAnswer | null {
    let seen = false;
    let result: JsonObject | undefined;
    let lastAssistant = '';
    for (const event of events(log)) {
      if (event.type === 'result' && ('is_error' in event || 'subtype' in event)) {
        seen = true;
        result = event;
      } else if (event.type === 'system' || event.type === 'user') seen = true;
      else if (event.type === 'assistant') {
        seen = true;
        const said = assistantText(event);
        if (said) lastAssistant = said;
      }
    }
    if (!seen) return null;
    if (!result) return { response: lastAssistant, usage: null, failure: null };
    const usage = field(result, 'usage');
    return {
      // A result without its text (an error subtype) falls back to what the agent last said.
      response: typeof result.result === 'string' ? result.result : lastAssistant,
      usage: usage === undefined && result.total_cost_usd === undefined ? null : {
        inputTokens: count(field(usage, 'input_tokens')),
        outputTokens: count(field(usage, 'output_tokens')),
        ...(typeof result.total_cost_usd === 'number' ? { costUSD: result.total_cost_usd } : {}),
      },
      failure: failureOf(result),
    };
  },

  describe(event) {
    switch (event.type) {
      case 'assistant': {
        const content = field(field(event, 'message'), 'content');
        if (!Array.isArray(content)) return [];
        return content.flatMap((c) => {
          if (field(c, 'type') === 'text') return lines(text(field(c, 'text')));
          if (field(c, 'type') === 'tool_use') return [toolLine(text(field(c, 'name')), field(c, 'input'))];
          return [];
        });
      }
      case 'result': {
        const failure = failureOf(event);
        const cost = typeof event.total_cost_usd === 'number' ? `, $${event.total_cost_usd.toFixed(4)}` : '';
        return [failure ? `✗ ${failure}` : `✓ done (${count(event.num_turns)} turns${cost})`];
      }
      default:
        return [];
    }
  },
};
