/**
 * `--logs`: an agent's log as people read it. Agents print their own machine-readable format
 * (stream-json, JSONL); each line of it becomes what it says — the agent's text, one line per
 * tool call, the outcome — as `axon logs` shows it. Lines that are not the format's pass as they are.
 */
import { events } from '../../shared/agents/format.js';
import { AGENT_FORMATS } from '../../shared/agents/report.js';
import { AGENT_TYPES, type AgentType } from '../../shared/task/model.js';

export function readableLines(agent: string, line: string): string[] {
  if (!(AGENT_TYPES as readonly string[]).includes(agent) || !line.trimStart().startsWith('{')) return [line];
  const [event] = [...events(line)];
  if (!event) return [line];
  return AGENT_FORMATS[agent as AgentType].describe(event);
}
