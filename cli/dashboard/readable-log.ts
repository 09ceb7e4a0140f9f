/** A log tail as the detail panel shows it: each agent's format as lines for people. */
import { readableLines } from '../view/agent-log.js';

export function readableLog(agentType: string, log: string): string[] {
  const lines = log.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.flatMap((line) => readableLines(agentType, line));
}
