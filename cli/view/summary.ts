/**
 * The end of a run: per Task its phase, how long its agent ran and what it produced (or why it
 * did not), then one line of totals. Also the `--output json` contract for scripts.
 */
import type { TaskUsage } from '../../shared/task/model.js';
import { formatDuration, painter, phaseColour } from './format.js';

export type Outcome = 'succeeded' | 'failed' | 'interrupted' | 'stalled';

export interface TaskReport {
  namespace: string;
  name: string;
  /** The last phase the Task reached ('' if none). */
  phase: string;
  outcome: Outcome;
  message: string | null;
  outputs: string[];
  results: Record<string, string>;
  /** What the agent received as its prompt; null when no agent was started. */
  prompt: string | null;
  /** Milliseconds the agent ran, when it started. */
  durationMs: number | null;
  /** The end of the agent's output, shown for failures. */
  logTail: string[];
  /** The agent's final answer ('' when none). */
  response: string;
  /** What the run spent, when the agent's format says. */
  usage: TaskUsage | null;
  /** Deleted during the run by its ttlSecondsAfterFinished (reported as it was last). */
  deleted?: boolean;
}

/** `--output json`: one entry per Task, in the order the manifests gave them. */
export interface JsonTask {
  name: string;
  phase: string;
  message: string | null;
  outputs: string[];
  results: Record<string, string>;
  prompt: string | null;
  response: string;
  usage: TaskUsage | null;
  /** Present (true) when its ttlSecondsAfterFinished deleted it during the run. */
  deleted?: true;
}

export function jsonReport(reports: readonly TaskReport[]): JsonTask[] {
  return reports.map((r) => ({
    name: r.name,
    phase: r.phase,
    message: r.message,
    outputs: r.outputs,
    results: r.results,
    prompt: r.prompt,
    response: r.response,
    usage: r.usage,
    ...(r.deleted ? { deleted: true } : {}),
  }));
}

/** `12,345 tokens, $0.0421` (cost when reported). */
export function formatUsage(usage: TaskUsage): string {
  const tokens = `${(usage.inputTokens + usage.outputTokens).toLocaleString('en-US')} tokens`;
  return usage.costUSD === undefined ? tokens : `${tokens}, $${usage.costUSD.toFixed(4)}`;
}

/** The usage of every report that has one, added up; null when none has. */
function totalUsage(reports: readonly TaskReport[]): TaskUsage | null {
  const used = reports.map((r) => r.usage).filter((u): u is TaskUsage => u !== null);
  if (used.length === 0) return null;
  const total: TaskUsage = { inputTokens: 0, outputTokens: 0 };
  for (const u of used) {
    total.inputTokens += u.inputTokens;
    total.outputTokens += u.outputTokens;
    if (u.costUSD !== undefined) total.costUSD = (total.costUSD ?? 0) + u.costUSD;
  }
  return total;
}

const MAX_OUTPUT_LINES = 8;

export interface SummaryOptions {
  color: boolean;
  showNamespace: boolean;
  wallMs: number;
}

export function formatSummary(reports: readonly TaskReport[], options: SummaryOptions): string {
  const paint = painter(options.color);
  const label = (r: TaskReport) => (options.showNamespace ? `${r.namespace}/${r.name}` : r.name);
  const nameWidth = Math.max(...reports.map((r) => label(r).length));
  const shown = (r: TaskReport) => r.phase || 'New';
  const phaseWidth = Math.max(...reports.map((r) => shown(r).length));
  const lines: string[] = [''];
  for (const r of reports) {
    const duration = r.durationMs === null ? '' : formatDuration(r.durationMs);
    const usage = (r.usage ? `   ${paint('gray', formatUsage(r.usage))}` : '') + (r.deleted ? `   ${paint('gray', 'deleted (ttlSecondsAfterFinished)')}` : '');
    lines.push(`${paint('bold', label(r).padEnd(nameWidth))}   ${paint(phaseColour(r.phase), shown(r).padEnd(phaseWidth))}   ${duration.padEnd(usage ? 6 : 0)}${usage}`.trimEnd());
    const indent = '    ';
    if (r.outcome === 'succeeded') {
      // An external Task's producer may report results without output lines: show those.
      const shownLines = r.outputs.length > 0 ? r.outputs : Object.entries(r.results).map(([key, value]) => `${key}: ${value}`);
      if (shownLines.length === 0) lines.push(`${indent}${paint('gray', '(no output block)')}`);
      for (const line of shownLines.slice(0, MAX_OUTPUT_LINES)) lines.push(`${indent}${line}`);
      if (shownLines.length > MAX_OUTPUT_LINES) {
        lines.push(`${indent}${paint('gray', `… ${shownLines.length - MAX_OUTPUT_LINES} more (--output json shows all)`)}`);
      }
    } else {
      if (r.message) lines.push(`${indent}${paint(r.outcome === 'failed' ? 'red' : 'yellow', r.message)}`);
      for (const line of r.logTail) lines.push(`${indent}${paint('gray', `| ${line}`)}`);
    }
  }
  const counts = new Map<string, number>();
  for (const r of reports) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  const parts = (['succeeded', 'failed', 'stalled', 'interrupted'] as const)
    .filter((o) => counts.get(o))
    .map((o) => `${counts.get(o)} ${o}`);
  const noun = reports.length === 1 ? 'Task' : 'Tasks';
  const total = totalUsage(reports);
  lines.push('', `${reports.length} ${noun} in ${formatDuration(options.wallMs)}: ${parts.join(', ')}${total ? ` · ${formatUsage(total)}` : ''}`);
  return `${lines.join('\n')}\n`;
}

export interface LeftoverReport {
  namespace: string;
  name: string;
  processes: ReadonlyArray<{ pid: number; command: string }>;
}

/** What agents left running in sessions of their own (no group signal reaches those), ended. */
export function formatLeftovers(leftovers: readonly LeftoverReport[], options: Pick<SummaryOptions, 'color' | 'showNamespace'>): string {
  const paint = painter(options.color);
  const count = leftovers.reduce((n, l) => n + l.processes.length, 0);
  const lines = [paint('yellow', `Ended ${count} process${count === 1 ? '' : 'es'} that agents had left running in sessions of their own:`)];
  for (const l of leftovers) {
    const label = options.showNamespace ? `${l.namespace}/${l.name}` : l.name;
    for (const p of l.processes) lines.push(`    ${label}: pid ${p.pid}${p.command ? ` (${p.command})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
