/**
 * The coordination index: which Tasks wait on which, and which just became ready.
 * Redis in production, memory in the local mode; both pass test/store/contract.ts.
 * The cluster (Task.status) is the record; everything here can be rebuilt from it.
 */
import type { TemplateDialect } from '../task/model.js';

/** Where a Task stands in the index. `launched` = its Job was created. */
export type TaskState = 'waiting' | 'ready' | 'launched' | 'succeeded' | 'failed';

/** A succeeded dependency's data, as a dependent's prompt sees it. */
export interface DependencyRecord {
  name: string;
  outputs: string[] | null;
  results: Record<string, string> | null;
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
  observed?:
    | { phase: 'Succeeded'; outputs: string[] | null; results: Record<string, string> | null }
    | { phase: 'Failed'; message: string }
    | { phase: 'Launched' };
}

export type RegisterOutcome =
  /** Every dependency has succeeded (or there are none): render and launch. */
  | { kind: 'ready'; task: ReadyTask }
  /** Some dependencies have not succeeded yet; `pending` names them in dependsOn order. */
  | { kind: 'waiting'; pending: string[] }
  /**
   * The Task cannot run: a dependency failed, or registering it closed a cycle
   * (`cycle` lists the names around it, each depending on the next, first name repeated at the end).
   * `dependents` are registered Tasks that fail with it (transitively).
   * Registering the same uid again repeats this (the cluster may not have been told yet).
   */
  | { kind: 'failed'; message: string; cycle?: string[]; dependents: FailedTask[] }
  /** Already launched, succeeded or failed (by its own run) under this uid: nothing to do. */
  | { kind: 'settled'; state: 'launched' | 'succeeded' | 'failed' };

export interface CompletionInput {
  namespace: string;
  name: string;
  /** The Task's uid; undefined when the reporter does not know it (external completions). */
  uid?: string;
  succeeded: boolean;
  outputs: string[] | null;
  results: Record<string, string> | null;
  /** Why it failed (kept for dependents' messages); ignored on success. */
  message?: string;
}

export interface CompletionOutcome {
  /**
   * `recorded`: first time; `duplicate`: already recorded with the same result (the lists
   * repeat what is still pending so a redelivery can finish an interrupted handler);
   * `stale`: the uid is not the registered Task's (an old incarnation): nothing changed.
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
   * Forget a deleted Task (only when the uid matches). Its dependents keep waiting for the name;
   * waiting ones that had counted it as succeeded wait for it again (its outputs are gone),
   * as they do when the name is registered again under a new uid.
   */
  remove(namespace: string, name: string, uid: string): Promise<void>;
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
