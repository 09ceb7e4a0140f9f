/**
 * Resync's walk of the index itself: the snapshot walks the cluster's Tasks, so an entry whose
 * Task is gone — its delete event lost — would stay until nothing depended on it. Each
 * namespace's entries are listed page by page (SSCAN of its names set, one slot); an entry
 * whose name the cluster's list did not hold is read from the API (the list is a moment old)
 * and, when the Task is really gone, made a tombstone as its delete event would have; a
 * tombstone older than the retention that no Task not yet launched depends on is purged.
 * (The retention covers Tasks created before the deletion whose own registration is late: a
 * lost add event is repaired within a tick or two, and they must still see what it made.)
 */
import type { FlowContext, FlowDeps } from '../flow/deps.js';
import type { TaskFacts } from './snapshot.js';

export interface IndexWalkOptions {
  namespaces: Iterable<string>;
  pageSize: number;
  /** Tombstones younger than this are kept. */
  tombstoneRetentionMs: number;
  /** Most entries removed in this run (what the repairs left of the run's budget). */
  budget: number;
}

export interface IndexWalkResult {
  /** Entries of Tasks the cluster no longer has: removed, or made (or kept as) tombstones. */
  forgotten: Array<{ namespace: string; name: string; purged: boolean }>;
  scanned: number;
}

export async function forgetLostEntries(
  deps: FlowDeps,
  context: FlowContext,
  tasks: readonly TaskFacts[],
  options: IndexWalkOptions,
): Promise<IndexWalkResult> {
  const listed = new Set(tasks.map((t) => `${t.namespace}/${t.name}`));
  const result: IndexWalkResult = { forgotten: [], scanned: 0 };
  for (const namespace of options.namespaces) {
    let cursor = '0';
    do {
      const page = await deps.store.scanEntries(namespace, cursor, options.pageSize);
      cursor = page.cursor;
      result.scanned += page.entries.length;
      for (const entry of page.entries) {
        if (result.forgotten.length >= options.budget) return result;
        if (listed.has(`${namespace}/${entry.name}`)) continue;
        const now = deps.now().getTime();
        if (entry.state === 'deleted') {
          if (await deps.store.purgeDeleted(namespace, entry.name, entry.uid, now - options.tombstoneRetentionMs)) {
            result.forgotten.push({ namespace, name: entry.name, purged: true });
          }
          continue;
        }
        // Listed before this page was read: a Task created since is in the API, not in the list.
        const current = await deps.cluster.getTask(namespace, entry.name);
        if (current) continue; // there (another incarnation is registered by its own repair)
        await deps.store.remove(namespace, entry.name, entry.uid, now);
        result.forgotten.push({ namespace, name: entry.name, purged: false });
        context.log.info({ namespace, task: entry.name, state: entry.state }, 'resync: the index held a Task the cluster no longer has; now a tombstone');
      }
    } while (cursor !== '0');
  }
  return result;
}
