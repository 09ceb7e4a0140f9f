/**
 * maxConcurrency: a spawner's non-terminal Tasks counted atomically, so that two instances
 * never overshoot. An item over the limit waits in the spawner's queue, its Task as built;
 * when one of the spawner's Tasks ends (its task.succeeded / task.failed event, or the tick's
 * reconciliation) its slot is released and the oldest waiting ones take the freed slots. An
 * admitted item's Task is kept until its creation is confirmed, so a crash in between is
 * repaired by the tick rather than leaking the slot. The index is Redis in a cluster
 * (redis-slots.ts) and memory in the local mode; the cluster's Tasks stay the record.
 */
import type { NewTask } from '../cluster/cluster.js';

export interface SlotState {
  /** Tasks holding a slot. */
  active: string[];
  /** Admitted or waiting items whose creation is not confirmed yet, with their Task. */
  pending: Array<{ name: string; task: NewTask }>;
}

export interface SpawnerSlots {
  /** `admitted` (a slot is this item's, now or already) or `queued` (waits for one). */
  acquire(namespace: string, spawner: string, task: NewTask, max: number): Promise<'admitted' | 'queued'>;
  /** The admitted item's Task exists: it no longer needs keeping. */
  confirm(namespace: string, spawner: string, name: string): Promise<void>;
  /** The Task ended (or is gone): its slot goes to the oldest waiting items; their Tasks, to create. */
  release(namespace: string, spawner: string, name: string, max: number): Promise<NewTask[]>;
  /** Slots in use. */
  active(namespace: string, spawner: string): Promise<number>;
  state(namespace: string, spawner: string): Promise<SlotState>;
}

interface SpawnerQueue {
  active: Set<string>;
  queue: string[];
  items: Map<string, NewTask>;
}

export function createMemorySlots(): SpawnerSlots {
  const spawners = new Map<string, SpawnerQueue>();
  const of = (namespace: string, spawner: string) => {
    const key = `${namespace}/${spawner}`;
    let q = spawners.get(key);
    if (!q) spawners.set(key, (q = { active: new Set(), queue: [], items: new Map() }));
    return q;
  };
  return {
    async acquire(namespace, spawner, task, max) {
      const q = of(namespace, spawner);
      const name = task.metadata.name;
      if (q.active.has(name)) return 'admitted';
      if (q.queue.includes(name)) return 'queued';
      q.items.set(name, structuredClone(task));
      if (q.active.size < max) {
        q.active.add(name);
        return 'admitted';
      }
      q.queue.push(name);
      return 'queued';
    },
    async confirm(namespace, spawner, name) {
      const q = of(namespace, spawner);
      if (q.active.has(name)) q.items.delete(name);
    },
    async release(namespace, spawner, name, max) {
      const q = of(namespace, spawner);
      if (!q.active.delete(name)) return [];
      q.items.delete(name);
      const freed: NewTask[] = [];
      while (q.active.size < max && q.queue.length > 0) {
        const next = q.queue.shift()!;
        q.active.add(next);
        freed.push(structuredClone(q.items.get(next)!));
      }
      return freed;
    },
    async active(namespace, spawner) {
      return of(namespace, spawner).active.size;
    },
    async state(namespace, spawner) {
      const q = of(namespace, spawner);
      return { active: [...q.active], pending: [...q.items].map(([name, task]) => ({ name, task: structuredClone(task) })) };
    },
  };
}
