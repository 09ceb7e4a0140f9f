/** Short human forms of what a node shows. */
import type { TaskView, Usage } from './wire.js';

export function durationOf(task: TaskView, now: number): number | null {
  if (!task.startTime) return null;
  const start = Date.parse(task.startTime);
  const end = task.completionTime && (task.phase === 'Succeeded' || task.phase === 'Failed') ? Date.parse(task.completionTime) : now;
  return Number.isNaN(start) || Number.isNaN(end) ? null : Math.max(0, end - start);
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  return minutes < 60 ? `${minutes}m${Math.floor((ms % 60_000) / 1000)}s` : `${Math.floor(minutes / 60)}h${minutes % 60}m`;
}

export function formatUsage(usage: Usage | null): string {
  if (!usage) return '';
  const tokens = `${(usage.inputTokens + usage.outputTokens).toLocaleString('en')} tokens`;
  return usage.costUSD === undefined ? tokens : `${tokens} · $${usage.costUSD.toFixed(4)}`;
}

export const PHASES = ['Waiting', 'Pending', 'Running', 'Succeeded', 'Failed'] as const;

/** The CSS class for a phase; an unknown or empty phase (not registered yet) has its own. */
export function phaseClass(phase: string): string {
  return (PHASES as readonly string[]).includes(phase) ? `phase-${phase}` : 'phase-none';
}
