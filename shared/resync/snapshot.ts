/**
 * What resync sees: every Task and every Task Job, read page by page and kept only as small
 * facts (never the objects, whose statuses may hold large outputs), with the index's entry for
 * each Task. Reading is not atomic — the repairs read their objects again before acting.
 */
import type { V1Job } from '@kubernetes/client-node';
import type { ListPage } from '../cluster/cluster.js';
import type { FlowDeps } from '../flow/deps.js';
import { jobView, type JobView } from '../flow/job-view.js';
import { missingReferences, referencesOf, waitsFor, type Reference } from '../flow/references.js';
import { isTerminal } from '../flow/status.js';
import { expiresAt } from '../flow/expiry.js';
import type { TaskEntry } from '../store/store.js';
import { EXTERNAL_TYPE, type Phase, type Task } from '../task/model.js';
import type { ResyncOptions } from './config.js';

export interface JobFacts {
  name: string;
  /** Uid of the Task that owns it (controller ownerReference). */
  ownerUid?: string;
  finished: boolean;
  active: boolean;
}

export interface TaskFacts {
  namespace: string;
  name: string;
  uid: string;
  phase?: Phase;
  dependsOn: string[];
  entry: TaskEntry | null;
  /** The Job running this Task's name (label axon.io/task), whoever owns it. */
  job?: JobFacts;
  /**
   * Released but waiting, as its status says, for a Workspace or AgentConfig that still does
   * not exist: the object's creation lets it go, not a repair.
   */
  awaitsReference?: boolean;
  /** An external Task: no Job, ever; its outcome comes from another system. */
  external?: boolean;
  /** An external Task's deadline (ms since the epoch): started plus spec.podOverrides.activeDeadlineSeconds. */
  deadline?: number;
  /** When a finished Task may be deleted (completionTime plus spec.ttlSecondsAfterFinished). */
  expiresAt?: number;
  /**
   * What the index says a waiting Task still waits for — read only when some dependency is not
   * in the cluster (deleted, or not created yet): which of them it counted done, only the index knows.
   */
  pending?: string[];
}

export interface Snapshot {
  tasks: TaskFacts[];
  jobs: number;
}

/** Concurrent index reads per page. */
const ENTRY_READS_AT_ONCE = 32;

async function* pages<T>(list: (token?: string) => Promise<ListPage<T>>): AsyncGenerator<T[]> {
  let token: string | undefined;
  do {
    const page = await list(token);
    yield page.items;
    token = page.continueToken;
  } while (token);
}

const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;

async function entries(deps: FlowDeps, tasks: Task[]): Promise<Array<TaskEntry | null>> {
  const out: Array<TaskEntry | null> = [];
  for (let i = 0; i < tasks.length; i += ENTRY_READS_AT_ONCE) {
    const chunk = tasks.slice(i, i + ENTRY_READS_AT_ONCE);
    out.push(...(await Promise.all(chunk.map((t) => deps.store.get(t.metadata.namespace, t.metadata.name)))));
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A listed Task's facts; undefined for an object too malformed to name (task-intake judges the rest). */
function taskFacts(task: Task, entry: TaskEntry | null, job: JobFacts | undefined): TaskFacts | undefined {
  const meta = isObject(task.metadata) ? task.metadata : undefined;
  if (!meta || typeof meta.name !== 'string' || typeof meta.namespace !== 'string' || typeof meta.uid !== 'string') return undefined;
  const spec: Record<string, unknown> = isObject(task.spec) ? task.spec : {};
  const dependsOn = Array.isArray(spec.dependsOn) ? spec.dependsOn.filter((d): d is string => typeof d === 'string') : [];
  const phase = isObject(task.status) && typeof task.status.phase === 'string' ? (task.status.phase as Phase) : undefined;
  const facts: TaskFacts = { namespace: meta.namespace, name: meta.name, uid: meta.uid, phase, dependsOn, entry, job };
  const expiry = expiresAt(task);
  if (expiry !== undefined) facts.expiresAt = expiry;
  if (spec.type === EXTERNAL_TYPE) {
    facts.external = true;
    const seconds = isObject(spec.podOverrides) ? spec.podOverrides.activeDeadlineSeconds : undefined;
    const started = isObject(task.status) && typeof task.status.startTime === 'string' ? Date.parse(task.status.startTime) : NaN;
    if (typeof seconds === 'number' && !Number.isNaN(started)) facts.deadline = started + seconds * 1000;
  }
  return facts;
}

/** Whether a released Task without a Job waits for references that are still missing (one read per object and run). */
async function awaitsReference(deps: FlowDeps, task: Task, facts: TaskFacts, seen: Map<string, Promise<Reference[]>>): Promise<boolean> {
  const refs = referencesOf(task);
  const released = facts.entry?.state === 'ready' && facts.entry.uid === facts.uid;
  if (refs.length === 0 || !released || facts.job?.ownerUid === facts.uid || isTerminal(facts.phase) || facts.phase !== 'Waiting') return false;
  const missing: Reference[] = [];
  for (const ref of refs) {
    const key = `${ref.kind}/${facts.namespace}/${ref.name}`;
    if (!seen.has(key)) seen.set(key, missingReferences(deps.cluster, facts.namespace, [ref]));
    missing.push(...(await seen.get(key)!));
  }
  return waitsFor(task, missing);
}

export async function takeSnapshot(deps: FlowDeps, options: Pick<ResyncOptions, 'namespaces' | 'pageSize'>): Promise<Snapshot> {
  const references = new Map<string, Promise<Reference[]>>();
  const scopes = options.namespaces ?? [undefined];
  const jobs = new Map<string, JobFacts>();
  let jobCount = 0;
  for (const namespace of scopes) {
    for await (const items of pages((continueToken) => deps.cluster.listJobPage({ namespace, continueToken, limit: options.pageSize }))) {
      for (const job of items) {
        let view: JobView;
        try {
          view = jobView(job);
        } catch {
          continue; // not a Job we can read; job-status would refuse it as well
        }
        if (!view.taskName) continue;
        jobCount++;
        jobs.set(keyOf(view.namespace, view.taskName), {
          name: view.jobName,
          ownerUid: view.taskUid,
          finished: view.outcome !== undefined,
          active: view.active > 0,
        });
      }
    }
  }
  const tasks: TaskFacts[] = [];
  for (const namespace of scopes) {
    for await (const items of pages((continueToken) => deps.cluster.listTaskPage({ namespace, continueToken, limit: options.pageSize }))) {
      const named = items.filter((t) => isObject(t.metadata) && typeof t.metadata.name === 'string' && typeof t.metadata.namespace === 'string');
      const found = await entries(deps, named);
      for (const [i, task] of named.entries()) {
        const facts = taskFacts(task, found[i] ?? null, jobs.get(keyOf(task.metadata.namespace, task.metadata.name)));
        if (!facts) continue;
        if (await awaitsReference(deps, task, facts, references)) facts.awaitsReference = true;
        tasks.push(facts);
      }
    }
  }
  await readPending(deps, tasks);
  return { tasks, jobs: jobCount };
}

/** For waiting Tasks with a dependency the cluster does not have, what the index still counts as pending. */
async function readPending(deps: FlowDeps, tasks: TaskFacts[]): Promise<void> {
  const present = new Set(tasks.map((t) => keyOf(t.namespace, t.name)));
  const asked = tasks.filter(
    (t) => t.entry?.state === 'waiting' && t.entry.uid === t.uid && t.dependsOn.some((d) => !present.has(keyOf(t.namespace, d))),
  );
  for (let i = 0; i < asked.length; i += ENTRY_READS_AT_ONCE) {
    const chunk = asked.slice(i, i + ENTRY_READS_AT_ONCE);
    const found = await Promise.all(chunk.map((t) => deps.store.pendingOf(t.namespace, t.name, t.uid)));
    chunk.forEach((t, j) => {
      if (found[j]) t.pending = found[j]!;
    });
  }
}
