/**
 * The coordination index: which Tasks wait on which, and which just became ready.
 * Redis in production, memory in the local mode; both pass test/store/contract.ts.
 * The cluster (Task.status) is the record; everything here can be rebuilt from it.
 */
import type { TemplateDialect } from '../task/model.js';

/**
 * Where a Task stands in the index. `launched` = its Job was created. `deleted` = a tombstone:
 * the Task is gone from the cluster; Tasks created before it went see it as it was (render its
 * outputs, or fail with it), later ones wait for a new Task of the name. Resync purges it once
 * nothing wants it and it is older than the retention.
 */
export type TaskState = 'waiting' | 'ready' | 'launched' | 'succeeded' | 'failed' | 'deleted';

/** A succeeded dependency's data, as a dependent's prompt sees it. */
export interface DependencyRecord {
  name: string;
  outputs: string[] | null;
  results: Record<string, string> | null;
  /** The agent's final answer ('' when it gave none). */
  response: string;
}

/** A Task whose dependencies have all succeeded: everything needed to render its prompt. */
export interface ReadyTask {
  name: string;
  uid: string;
  template: string;
  dialect: TemplateDialect;
  /**
   * One record per entry of dependsOn, in dependsOn order — only the entries named in the
   * registered `needs` when it was given.
   */
  deps: DependencyRecord[];
}

/** A Task failed because something it depends on failed (directly or transitively). */
export interface FailedTask {
  name: string;
  uid: string;
  /** e.g. `Dependency "a" failed` or `Dependency "b" failed (caused by "a")`. */
  message: string;
}

export interface RegisterInput {
  namespace: string;
  name: string;
  uid: string;
  dependsOn: string[];
  template: string;
  dialect: TemplateDialect;
  /**
   * The dependencies whose data the prompt reads (template/referencedDependencies); absent =
   * all of dependsOn. When set, a ready Task's `deps` holds only these (names not in dependsOn
   * are ignored), so releasing it costs O(needs), not O(dependsOn).
   */
  needs?: string[];
  /**
   * What the cluster already says about this Task (its status), so that re-registering
   * after a Redis wipe restores terminal and launched states instead of re-running.
   * Only used when the entry is created. Registering never releases or fails dependents
   * (the outcome could not report them): delivering the completion again does that.
   */
  /**
   * When the Task was created (ms since the epoch, its creationTimestamp): against a dependency
   * deleted since, it decides whether this Task came before (sees it as it was) or after.
   */
  createdAt?: number;
  observed?:
    | { phase: 'Succeeded'; outputs: string[] | null; results: Record<string, string> | null; response: string }
    | { phase: 'Failed'; message: string }
    | { phase: 'Launched' };
}

export type RegisterOutcome =
  /** Every dependency has succeeded (or there are none): render and launch. */
  | { kind: 'ready'; task: ReadyTask }
  /**
   * Some dependencies have not succeeded yet; `pending` names them in dependsOn order, and
   * `deleted` (when any) those of them that were deleted before this Task was registered.
   */
  | { kind: 'waiting'; pending: string[]; deleted?: string[] }
  /**
   * The Task cannot run: a dependency failed, or registering it closed a cycle
   * (`cycle` lists the names around it, each depending on the next, first name repeated at the end).
   * `dependents` are registered Tasks that fail with it (transitively).
   * Registering the same uid again repeats this (the cluster may not have been told yet).
   */
  | { kind: 'failed'; message: string; cycle?: string[]; dependents: FailedTask[] }
  /** Already launched, succeeded, failed (by its own run) or deleted under this uid: nothing to do. */
  | { kind: 'settled'; state: 'launched' | 'succeeded' | 'failed' | 'deleted' };

export interface CompletionInput {
  namespace: string;
  name: string;
  /** The Task's uid; undefined when the reporter does not know it (external completions). */
  uid?: string;
  succeeded: boolean;
  outputs: string[] | null;
  results: Record<string, string> | null;
  /** The agent's answer, for dependents' prompts ('' when none). */
  response: string;
  /** Why it failed (kept for dependents' messages); ignored on success. */
  message?: string;
}

export interface CompletionOutcome {
  /**
   * `recorded`: first time; `duplicate`: already recorded with the same result (the lists
   * repeat what is still pending so a redelivery can finish an interrupted handler);
   * `stale`: the uid is not the registered Task's (an old incarnation), or the Task was
   * deleted: nothing changed.
   * A duplicate also settles waiting dependents that still counted this Task as pending (they
   * were registered from observed state after a wipe). A conflicting result for a settled Task
   * is a duplicate too: the first result stands.
   */
  status: 'recorded' | 'duplicate' | 'stale';
  /** Dependents for which this was the last unmet dependency (duplicate: those still `ready`). */
  ready: ReadyTask[];
  /** Dependents failed by this failure, transitively (duplicate: those already failed by it). */
  failed: FailedTask[];
}

export interface TaskEntry {
  uid: string;
  state: TaskState;
}

/** An entry as resync's walk of the index lists it. */
export interface IndexEntry extends TaskEntry {
  name: string;
  /** A tombstone's: when its Task went. */
  deletedAt?: number;
}

export interface IndexPage {
  entries: IndexEntry[];
  /** '0' when the walk is complete. */
  cursor: string;
}

/** A released Task's rendered prompt, recorded by the step that released it. */
export interface PromptRecord {
  name: string;
  uid: string;
  prompt: string;
}

/** The entry with the prompt recorded for it (null until one is, and again once launched). */
export interface LaunchEntry extends TaskEntry {
  prompt: string | null;
}

export interface Store {
  /** Atomically register a Task and decide ready / waiting / failed. Idempotent per uid. */
  register(input: RegisterInput): Promise<RegisterOutcome>;
  /** Atomically record a terminal result and find the dependents it made ready or failed. */
  recordCompletion(input: CompletionInput): Promise<CompletionOutcome>;
  /**
   * Records each released Task's rendered prompt, all in one step: only for an entry of that
   * uid that is `ready`, and only the first time — the prompt a Job runs with is what the
   * releasing step rendered, never what an event says.
   */
  recordPrompts(namespace: string, prompts: PromptRecord[]): Promise<void>;
  /** ready → launched (the recorded prompt is dropped: it served its purpose). False when the Task is unknown, has another uid, or is not `ready`. */
  markLaunched(namespace: string, name: string, uid: string): Promise<boolean>;
  /** The Task's entry, or null when unknown. */
  get(namespace: string, name: string): Promise<TaskEntry | null>;
  /** The Task's entry with its recorded prompt, or null when unknown. */
  getForLaunch(namespace: string, name: string): Promise<LaunchEntry | null>;
  /**
   * A deleted Task (only when the uid matches) becomes a tombstone (state `deleted`), `deletedAt`
   * (ms; default now) the time it went: Tasks created before keep seeing it as it was — its
   * outputs, or its failure — and Tasks created after wait for a new Task of the name, told it
   * was deleted. A new incarnation registered under the name never inherits it (dependents that
   * counted the old one keep a copy of its data).
   */
  remove(namespace: string, name: string, uid: string, deletedAt?: number): Promise<void>;
  /** Purges a tombstone that went before `deletedBefore` (ms) and that no Task not yet launched depends on. */
  purgeDeleted(namespace: string, name: string, uid: string, deletedBefore: number): Promise<boolean>;
  /** The dependencies a waiting Task still counts as pending; null unless it is waiting under this uid. */
  pendingOf(namespace: string, name: string, uid: string): Promise<string[] | null>;
  /**
   * One page of the namespace's entries (cursor '0' to start), for resync's walk of the index;
   * `count` is a hint. Entries may be listed twice across pages, never missed.
   */
  scanEntries(namespace: string, cursor: string, count: number): Promise<IndexPage>;
  /** Every namespace the index holds entries for (resync walks them when told no namespaces). */
  listNamespaces(): Promise<string[]>;
  /** Health check for readiness probes. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The dependencies a ready Task gets data for: dependsOn (in its order, repeats kept) filtered
 * by `needs`, or all of dependsOn when `needs` is absent.
 */
export function neededDeps(dependsOn: string[], needs: string[] | undefined): string[] {
  if (needs === undefined) return [...dependsOn];
  const wanted = new Set(needs);
  return dependsOn.filter((d) => wanted.has(d));
}
