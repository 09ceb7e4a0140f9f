/**
 * Gemini CLI with `--output-format stream-json`: `init`, `message` (role user or assistant;
 * assistant text arrives in `delta` chunks), `tool_use`, `tool_result`, `error`, and a final
 * `result` with `status` (success or error, with `error.type` / `error.message`) and `stats`
 * (`input_tokens`, `output_tokens`, …; camelCase is read too).
 */
import { count, events, field, headline, lines, text, toolLine, type AgentFormat } from './format.js';

export const gemini: AgentFormat = {
  read(log) {
    let seen = false;
    // The answer is the assistant's text after the last tool round: the final turn's words.
    let turn = '';
    let whole: string | undefined;
    let stats: unknown;
    let failure: string | null = null;
    for (const event of events(log)) {
      if (event.type === 'init' || (event.type === 'message' && typeof event.role === 'string') || (event.type === 'result' && 'status' in event)) seen = true;
      switch (event.type) {
        case 'message':
          if (event.role !== 'assistant') break;
          if (event.delta === true) turn += text(event.content);
          else whole = text(event.content);
          break;
        case 'tool_use':
        case 'tool_result':
          turn = '';
          whole = undefined;
          break;
        case 'error':
          if (event.severity !== 'warning') failure = `agent reported an error: ${headline(text(event.message)) || 'no reason given'}`;
          break;
        case 'result':
          stats = event.stats;
          failure =
            event.status === 'error'
              ? `agent reported an error: ${[text(field(event.error, 'type')), headline(text(field(event.error, 'message')))].filter(Boolean).join(': ') || 'no reason given'}`
              : null;
          break;
      }
    }
    if (!seen) return null;
    const usage =
      stats === undefined
        ? null
        : {
            inputTokens: count(field(stats, 'input_tokens') ?? field(stats, 'inputTokens')),
            outputTokens: count(field(stats, 'output_tokens') ?? field(stats, 'outputTokens')),
          };
    return { response: whole ?? turn, usage, failure };
  },

  describe(event) {
    switch (event.type) {
      case 'message':
        // Deltas are parts of a line; shown as they come, they read as the agent speaking.
        return event.role === 'assistant' ? lines(text(event.content)) : [];
      case 'tool_use':
        return [toolLine(text(event.tool_name), event.parameters)];
      case 'error':
        return [`✗ ${headline(text(event.message))}`];
      case 'result':
        return [event.status === 'error' ? `✗ ${headline(text(field(event.error, 'message')))}` : '✓ done'];
      default:
        return [];
    }
  },
};
