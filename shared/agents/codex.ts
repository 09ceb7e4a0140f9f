/**
 * Codex with `exec --json`: one event per line — `thread.started`, `turn.started`,
 * `item.started` / `item.completed` (an `item` of type agent_message, reasoning,
 * command_execution, file_change, …), `turn.completed` with that turn's `usage`, and
 * `turn.failed` / `error` when something went wrong.
 */
import { count, events, field, headline, lines, text, toolLine, type AgentFormat } from './format.js';

/** Types only codex prints; an `error` line alone does not make a log codex's. */
const CODEX_EVENTS = new Set(['thread.started', 'turn.started', 'turn.completed', 'turn.failed', 'item.started', 'item.updated', 'item.completed']);

export const codex: AgentFormat = {
  read(log) {
    let seen = false;
    let response = '';
    let inputTokens = 0;
    let outputTokens = 0;
    let turns = 0;
    let failure: string | null = null;
    for (const event of events(log)) {
      if (CODEX_EVENTS.has(String(event.type))) seen = true;
      switch (event.type) {
        case 'item.completed':
          if (field(event.item, 'type') === 'agent_message') response = text(field(event.item, 'text'));
          break;
        case 'turn.completed':
          turns++;
          inputTokens += count(field(event.usage, 'input_tokens'));
          outputTokens += count(field(event.usage, 'output_tokens'));
          failure = null; // a later turn that completed supersedes an earlier error
          break;
        case 'turn.failed':
          failure = `agent reported a failed turn: ${headline(text(field(event.error, 'message'))) || 'no reason given'}`;
          break;
        case 'error':
          failure = `agent reported an error: ${headline(text(event.message)) || 'no reason given'}`;
          break;
      }
    }
    if (!seen) return null;
    return { response, usage: turns > 0 ? { inputTokens, outputTokens } : null, failure };
  },

  describe(event) {
    const item = event.item;
    if (event.type === 'item.completed') {
      switch (field(item, 'type')) {
        case 'agent_message':
          return lines(text(field(item, 'text')));
        case 'command_execution':
          return [toolLine('shell', text(field(item, 'command')))];
        case 'file_change':
          return [toolLine('edit', JSON.stringify(field(item, 'changes') ?? ''))];
        default:
          return [];
      }
    }
    if (event.type === 'turn.completed') return [`✓ turn done (${count(field(event.usage, 'output_tokens'))} tokens out)`];
    if (event.type === 'turn.failed') return [`✗ ${headline(text(field(event.error, 'message')))}`];
    if (event.type === 'error') return [`✗ ${headline(text(event.message))}`];
    return [];
  },
};
