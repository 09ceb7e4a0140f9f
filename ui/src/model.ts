/**
 * The Tasks the page knows, keyed namespace/name. Changes are collected and applied in
 * batches: a 1,000-Task DAG sends a message per change, and the page paints once per batch,
 * laying the graph out again only when its shape changed.
 */
import { PHASES } from './format.js';
import { keyOf, type TaskView } from './wire.js';

export interface Batch {
  /** A Task came or went, or its dependencies changed: the layout must be redone. */
  structural: boolean;
  /** Keys of Tasks whose view changed. */
  changed: Set<string>;
}

export class TaskModel {
  readonly tasks = new Map<string, TaskView>();
  private pending = new Map<string, TaskView | null>();
  private resetPending = false;

  reset(): void {
    this.resetPending = true;
    this.pending.clear();
  }

  put(task: TaskView): void {
    this.pending.set(keyOf(task), task);
  }

  remove(namespace: string, name: string): void {
    this.pending.set(`${namespace}/${name}`, null);
  }

  /** Applies everything collected since the last call. */
  apply(): Batch {
    let structural = false;
    const changed = new Set<string>();
    if (this.resetPending) {
      this.resetPending = false;
      structural = this.tasks.size > 0;
      this.tasks.clear();
    }
    for (const [key, next] of this.pending) {
      const before = this.tasks.get(key);
      if (next === null) {
        if (before) structural = true;
        this.tasks.delete(key);
      } else {
        if (!before || before.dependsOn.join('\n') !== next.dependsOn.join('\n')) structural = true;
        this.tasks.set(key, next);
      }
      changed.add(key);
    }
    this.pending.clear();
    return { structural, changed };
  }

  /** The dependencies of a Task that have not succeeded (what it waits for). */
  unmet(task: TaskView): string[] {
    return task.dependsOn.filter((dep) => this.tasks.get(`${task.namespace}/${dep}`)?.phase !== 'Succeeded');
  }

  counts(): { phase: string; count: number }[] {
    const counts = new Map<string, number>(PHASES.map((p) => [p, 0]));
    for (const task of this.tasks.values()) counts.set(task.phase || 'New', (counts.get(task.phase || 'New') ?? 0) + 1);
    return [...counts].map(([phase, count]) => ({ phase, count }));
  }

  tokens(): number {
    let total = 0;
    for (const task of this.tasks.values()) if (task.usage) total += task.usage.inputTokens + task.usage.outputTokens;
    return total;
  }
}
