/**
 * Level-triggered: from what the cluster records and the index holds right now (not from any
 * event), the repairs that bring them together. Pure, so every rule is tested on its own.
 *
 *   register  the index does not know the Task (this uid): a missed add event, or a wiped Redis
 *   complete  its Job finished, the Task does not say so: the Job's completion event was lost
 *   record    the Task ended, the index does not say so: the handler died after the patch
 *   release   the index has it waiting on dependencies that all ended in the record: the
 *             completion that should have released (or failed) it was lost — re-record them
 *   status    the index failed or parked it, the Task does not show it: re-register, which answers again
 *   launch    ready in the index, no Job: the task.ready event was lost (unless it waits, as its
 *             status says, for a Workspace or AgentConfig that still does not exist)
 *   lost      launched (or Running) with no Job of its own, seen twice a grace period apart:
 *             its Job was deleted before its outcome was recorded — fail it (never relaunch)
 *   running   its Job is active, the Task does not say Running
 *   expired   an external Task still Running past its deadline: no completion came — fail it
 *   ttl       a finished Task past its ttlSecondsAfterFinished, its outcome in the index: delete it
 *
 * One repair per Task and run; registrations first, dependencies before dependents.
 */
import { isTerminal } from '../flow/status.js';
import type { TaskFacts } from './snapshot.js';

/** `forget` is the index walk's (index-walk.ts), not the plan's: an entry whose Task the cluster no longer has. */
export type RepairKind = 'register' | 'complete' | 'record' | 'release' | 'status' | 'launch' | 'lost' | 'running' | 'expired' | 'ttl' | 'forget';

export interface Repair {
  kind: RepairKind;
  namespace: string;
  name: string;
  uid: string;
  /** release: the dependencies whose results are recorded again. */
  targets?: Array<{ name: string; uid: string }>;
}

/** Suspicions carried from run to run (a Job missing once may be a Job that just finished). */
export interface ResyncState {
  /** `<uid>` → when a run first saw its Task launched without a Job. */
  missingJobs: Map<string, number>;
}

export function newResyncState(): ResyncState {
  return { missingJobs: new Map() };
}

const ORDER: RepairKind[] = ['register', 'complete', 'record', 'release', 'status', 'launch', 'lost', 'running', 'expired', 'ttl'];

const key = (namespace: string, name: string) => `${namespace}/${name}`;

/** How deep a Task sits in its namespace's graph (0: no known dependencies); cycles count once. */
function depths(tasks: TaskFacts[]): Map<string, number> {
  const byKey = new Map(tasks.map((t) => [key(t.namespace, t.name), t]));
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (k: string): number => {
    const known = depth.get(k);
    if (known !== undefined) return known;
    const task = byKey.get(k);
    if (!task || visiting.has(k)) return 0;
    visiting.add(k);
    // Iterative enough for real graphs: recursion depth is the longest dependency chain.
    let d = 0;
    for (const dep of task.dependsOn) d = Math.max(d, visit(key(task.namespace, dep)) + 1);
    visiting.delete(k);
    depth.set(k, d);
    return d;
  };
  for (const t of tasks) visit(key(t.namespace, t.name));
  return depth;
}

function expectedState(phase: 'Succeeded' | 'Failed'): 'succeeded' | 'failed' {
  return phase === 'Succeeded' ? 'succeeded' : 'failed';
}

export interface PlanResult {
  repairs: Repair[];
  /** Tasks seen launched without a Job for the first time (failed by a later run if still so). */
  suspected: number;
}

export function planRepairs(tasks: TaskFacts[], state: ResyncState, now: number, lostJobGraceMs: number): PlanResult {
  const byKey = new Map(tasks.map((t) => [key(t.namespace, t.name), t]));
  const repairs: Repair[] = [];
  const stillMissing = new Set<string>();
  let suspected = 0;

  for (const t of tasks) {
    const { entry, phase } = t;
    const terminal = isTerminal(phase);
    const ownJob = t.job && t.job.ownerUid === t.uid ? t.job : undefined;
    const base = { namespace: t.namespace, name: t.name, uid: t.uid };
    const add = (kind: RepairKind, extra: Partial<Repair> = {}) => repairs.push({ kind, ...base, ...extra });

    if (!entry || entry.uid !== t.uid) {
      add('register');
    } else if (ownJob?.finished && !terminal) {
      add('complete');
    } else if (terminal && entry.state !== expectedState(phase)) {
      add('record');
    } else if (terminal && t.expiresAt !== undefined && now >= t.expiresAt) {
      add('ttl');
    } else if (entry.state === 'waiting') {
      // What it still waits for: the index's word when some dependency is not in the cluster
      // (one deleted after this Task counted it done must not hold it), else every dependency.
      const deps = [...new Set(t.pending ?? t.dependsOn)].map((d) => byKey.get(key(t.namespace, d)));
      const failed = deps.filter((d) => d?.phase === 'Failed');
      const allSucceeded = deps.length > 0 && deps.every((d) => d?.phase === 'Succeeded');
      if (failed.length > 0 || allSucceeded) {
        const targets = (failed.length > 0 ? failed.slice(0, 1) : deps).map((d) => ({ name: d!.name, uid: d!.uid }));
        add('release', { targets });
      } else if (phase === undefined) {
        add('status');
      }
    } else if (entry.state === 'failed' && !terminal) {
      add('status');
    } else if (entry.state === 'ready' && !ownJob && !terminal && phase !== 'Running') {
      if (!t.awaitsReference) add('launch');
    } else if (t.external) {
      // No Job to miss: an external Task ends by another system's report, or by its deadline.
      if (!terminal && phase === 'Running' && t.deadline !== undefined && now >= t.deadline) add('expired');
    } else if ((entry.state === 'launched' || phase === 'Running') && !ownJob && !terminal) {
      stillMissing.add(t.uid);
      const since = state.missingJobs.get(t.uid);
      if (since === undefined) {
        state.missingJobs.set(t.uid, now);
        suspected++;
      } else if (now - since >= lostJobGraceMs) {
        add('lost');
      }
    } else if (ownJob?.active && !terminal && phase !== 'Running') {
      add('running');
    }
  }
  for (const uid of [...state.missingJobs.keys()]) if (!stillMissing.has(uid)) state.missingJobs.delete(uid);

  const depth = depths(tasks);
  const rank = (r: Repair) => ORDER.indexOf(r.kind);
  repairs.sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (a.kind === 'register' ? (depth.get(key(a.namespace, a.name)) ?? 0) - (depth.get(key(b.namespace, b.name)) ?? 0) : 0) ||
      key(a.namespace, a.name).localeCompare(key(b.namespace, b.name)),
  );
  return { repairs, suspected };
}
