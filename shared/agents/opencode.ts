/**
 * opencode with `run --format json`: `step_start`, `text` (a finished text part, in
 * `part.text`), `tool_use` (`part.tool`, `part.state.input`), `step_finish` (`part.tokens`
 * input/output, `part.cost`, `part.reason`), and `error` (`error.name`, `error.data.message`).
 */
import { count, events, field, headline, lines, text, toolLine, type AgentFormat } from './format.js';

export const opencode: AgentFormat = {
  read(log) {
    let seen = false;
    let step: string[] = [];
    let response = '';
    let inputTokens = 0;
    let outputTokens = 0;
    let cost = 0;
    let steps = 0;
    let failure: string | null = null;
    for (const event of events(log)) {
      const part = event.part;
      if (event.type === 'step_start' || event.type === 'step_finish' || (typeof part === 'object' && part !== null && typeof event.sessionID === 'string')) seen = true;
      switch (event.type) {
        case 'step_start':
          step = [];
          break;
        case 'text': {
          const said = text(field(part, 'text'));
          if (said) {
            step.push(said);
            response = step.join('\n');
          }
          break;
        }
        case 'step_finish': {
          steps++;
          const tokens = field(part, 'tokens');
          inputTokens += count(field(tokens, 'input'));
          outputTokens += count(field(tokens, 'output'));
          cost += count(field(part, 'cost'));
          failure = null;
          break;
        }
        case 'error': {
          const error = event.error;
          const message = text(field(field(error, 'data'), 'message')) || text(field(error, 'message'));
          failure = `agent reported an error: ${[text(field(error, 'name')), headline(message)].filter(Boolean).join(': ') || 'no reason given'}`;
          break;
        }
      }
    }
    if (!seen) return null;
    return { response, usage: steps > 0 ? { inputTokens, outputTokens, costUSD: cost } : null, failure };
  },

  describe(event) {
    const part = event.part;
    switch (event.type) {
      case 'text':
        return lines(text(field(part, 'text')));
      case 'tool_use':
        return [toolLine(text(field(part, 'tool')), field(field(part, 'state'), 'input'))];
      case 'error':
        return [`✗ ${headline(text(field(field(event.error, 'data'), 'message')) || text(field(event.error, 'message')))}`];
      default:
        return [];
    }
  },
};
