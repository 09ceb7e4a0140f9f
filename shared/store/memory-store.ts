/**
 * The Store in memory, for the local mode: the same rules as the Redis scripts (lua/*.ts),
 * step for step, so both pass test/store/contract.ts. Every call runs to completion without
 * awaiting, which makes each one atomic within the process.
 */
import type { TemplateDialect } from '../task/model.js';
import type {
  CompletionInput,
  CompletionOutcome,
  DependencyRecord,
  FailedTask,
  LaunchEntry,
  ReadyTask,
  RegisterInput,
  RegisterOutcome,
  Store,
  TaskEntry,
  TaskState,
} from './store.js';
import { neededDeps } from './store.js';

interface Entry {
  uid: string;
  state: TaskState;
  deps: string[];
  /** The dependencies a ready Task gets data for: dependsOn filtered by `needs`, or all of it. */
  needs: string[];
  template: string;
  dialect: TemplateDialect;
  /** Dependencies not succeeded yet (only meaningful while `waiting`). */
  pending: Set<string>;
  outputs: string[] | null;
  results: Record<string, string> | null;
  response: string;
  message: string;
  /** Set when the store failed it: the root of the failure (itself for a cycle it closed). */
  cause: string;
  cycle: string[] | null;
  /** The prompt the releasing step rendered (ready entries only). */
  prompt: string | null;
  /** Dependencies' data kept when their entry was replaced by a new incarnation (lua/common.ts, s:<dep>). */
  kept: Map<string, Omit<DependencyRecord, 'name'>>;
  /** A tombstone's: its state when it went, and when (lua/common.ts, `was` and `at`). */
  was?: TaskState;
  deletedAt?: number;
}

interface Namespace {
  entries: Map<string, Entry>;
  /** name → Tasks whose dependsOn lists it; kept while the name has no entry. */
  dependents: Map<string, Set<string>>;
}

function depMessage(cur: string, root: string): string {
  return cur === root ? `Dependency "${cur}" failed` : `Dependency "${cur}" failed (caused by "${root}")`;
}

// Copies at the boundary: callers must not be able to change what the store holds.
const copyList = (list: string[] | null): string[] | null => (list ? [...list] : null);
const copyMap = (map: Record<string, string> | null): Record<string, string> | null => (map ? { ...map } : null);

export function createMemoryStore(): Store {
  const namespaces = new Map<string, Namespace>();

  function ns(namespace: string): Namespace {
    let found = namespaces.get(namespace);
    if (!found) {
      found = { entries: new Map(), dependents: new Map() };
      namespaces.set(namespace, found);
    }
    return found;
  }

  function dependentsOf(space: Namespace, name: string): string[] {
    return [...(space.dependents.get(name) ?? [])];
  }

  function addEdge(space: Namespace, dep: string, name: string): void {
    let set = space.dependents.get(dep);
    if (!set) space.dependents.set(dep, (set = new Set()));
    set.add(name);
  }

  function dropEdges(space: Namespace, name: string, deps: string[]): void {
    for (const dep of deps) {
      const set = space.dependents.get(dep);
      set?.delete(name);
      if (set?.size === 0) space.dependents.delete(dep);
    }
  }

  function readyTask(space: Namespace, name: string, entry: Entry): ReadyTask {
    const deps: DependencyRecord[] = entry.needs.map((dep) => {
      const found = entry.kept.get(dep) ?? space.entries.get(dep);
      return { name: dep, outputs: copyList(found?.outputs ?? null), results: copyMap(found?.results ?? null), response: found?.response ?? '' };
    });
    return { name, uid: entry.uid, template: entry.template, dialect: entry.dialect, deps };
  }

  /** Dependents that counted <name> done and have not launched keep a copy of its data (lua/common.ts). */
  function keepForDependents(space: Namespace, name: string, old: Entry): void {
    for (const dependent of dependentsOf(space, name)) {
      const entry = space.entries.get(dependent);
      if (!entry || entry.kept.has(name)) continue;
      if ((entry.state === 'waiting' && !entry.pending.has(name)) || entry.state === 'ready') {
        entry.kept.set(name, { outputs: copyList(old.outputs), results: copyMap(old.results), response: old.response });
      }
    }
  }

  /** Whether a Task not yet launched depends on <name> (a deleted <name> then leaves a tombstone). */
  function stillWanted(space: Namespace, name: string): boolean {
    return dependentsOf(space, name).some((d) => {
      const state = space.entries.get(d)?.state;
      return state === 'waiting' || state === 'ready';
    });
  }

  /** Waiting Tasks that had counted <name> as done, with no copy of its data, wait for it again (see lua/common.ts). */
  function reblock(space: Namespace, name: string): void {
    for (const dependent of dependentsOf(space, name)) {
      const entry = space.entries.get(dependent);
      if (entry?.state === 'waiting' && !entry.kept.has(name)) entry.pending.add(name);
    }
  }

  const deletedAmong = (space: Namespace, names: string[]) => names.filter((n) => space.entries.get(n)?.state === 'deleted');

  function waiting(space: Namespace, pending: string[]): RegisterOutcome {
    const deleted = deletedAmong(space, pending);
    return deleted.length > 0 ? { kind: 'waiting', pending, deleted } : { kind: 'waiting', pending };
  }

  function newEntry(uid: string, fields: Partial<Entry> = {}): Entry {
    return {
      uid,
      state: 'waiting',
      deps: [],
      needs: [],
      template: '',
      dialect: '' as TemplateDialect,
      pending: new Set(),
      outputs: null,
      results: null,
      response: '',
      message: '',
      cause: '',
      cycle: null,
      prompt: null,
      kept: new Map(),
      ...fields,
    };
  }

  /** Breadth-first failure of the waiting Tasks downstream of <start> (see lua/common.ts). */
  function failFrom(space: Namespace, start: string, root: string, again: boolean): FailedTask[] {
    const out: FailedTask[] = [];
    const seen = new Set([start]);
    const queue = [start];
    for (let head = 0; head < queue.length; head++) {
      const cur = queue[head] as string;
      for (const dependent of dependentsOf(space, cur)) {
        if (seen.has(dependent)) continue;
        const entry = space.entries.get(dependent);
        if (!entry) continue;
        if (entry.state === 'waiting' && entry.pending.has(cur)) {
          const message = depMessage(cur, root);
          Object.assign(entry, { state: 'failed', message, cause: root });
          seen.add(dependent);
          queue.push(dependent);
          out.push({ name: dependent, uid: entry.uid, message });
        } else if (again && entry.state === 'failed' && entry.cause === root) {
          seen.add(dependent);
          queue.push(dependent);
          out.push({ name: dependent, uid: entry.uid, message: entry.message });
        }
      }
    }
    return out;
  }

  /** The shortest way back to <name> through waiting Tasks, in dependsOn direction. */
  function findCycle(space: Namespace, name: string): string[] | null {
    const parent = new Map<string, string>();
    const seen = new Set([name]);
    const queue = [name];
    for (let head = 0; head < queue.length; head++) {
      const cur = queue[head] as string;
      for (const dependent of dependentsOf(space, cur)) {
        const entry = space.entries.get(dependent);
        if (entry?.state !== 'waiting' || !entry.pending.has(cur)) continue;
        if (dependent === name) {
          const chain = [name];
          for (let x = cur; x !== name; x = parent.get(x) as string) chain.push(x);
          chain.push(name);
          return chain;
        }
        if (!seen.has(dependent)) {
          seen.add(dependent);
          parent.set(dependent, cur);
          queue.push(dependent);
        }
      }
    }
    return null;
  }

  function repeatOutcome(space: Namespace, name: string, entry: Entry): RegisterOutcome {
    switch (entry.state) {
      case 'waiting':
        return waiting(space, [...new Set(entry.deps)].filter((dep) => entry.pending.has(dep)));
      case 'ready':
        return { kind: 'ready', task: readyTask(space, name, entry) };
      case 'failed':
        if (entry.cause !== '') {
          const outcome: RegisterOutcome = {
            kind: 'failed',
            message: entry.message,
            dependents: failFrom(space, name, entry.cause, true),
          };
          if (entry.cycle) outcome.cycle = [...entry.cycle];
          return outcome;
        }
        return { kind: 'settled', state: 'failed' };
      default:
        return { kind: 'settled', state: entry.state as 'launched' | 'succeeded' | 'deleted' };
    }
  }

  function register(input: RegisterInput): RegisterOutcome {
    const space = ns(input.namespace);
    const { name, uid } = input;
    const existing = space.entries.get(name);
    if (existing) {
      if (existing.uid === uid) return repeatOutcome(space, name, existing);
      if (existing.state === 'succeeded' || existing.state === 'deleted') keepForDependents(space, name, existing);
      dropEdges(space, name, existing.deps);
      space.entries.delete(name);
    }

    const deps = [...input.dependsOn];
    for (const dep of deps) addEdge(space, dep, name);
    const entry = newEntry(uid, { deps, needs: neededDeps(deps, input.needs), template: input.template, dialect: input.dialect });

    const observed = input.observed;
    if (observed) {
      // Rebuilding from the cluster: take its word; never releases or fails dependents.
      if (observed.phase === 'Succeeded') {
        Object.assign(entry, {
          state: 'succeeded',
          outputs: copyList(observed.outputs),
          results: copyMap(observed.results),
          response: observed.response,
        });
      } else if (observed.phase === 'Failed') {
        Object.assign(entry, { state: 'failed', message: observed.message });
      } else {
        entry.state = 'launched';
      }
      space.entries.set(name, entry);
      if (entry.state !== 'succeeded') reblock(space, name);
      return { kind: 'settled', state: entry.state as 'launched' | 'succeeded' | 'failed' };
    }

    let failedDep: string | undefined;
    const pendingSet = new Set<string>();
    for (const dep of deps) {
      const found = space.entries.get(dep);
      let state = found?.state;
      // Created before its dependency went: it sees it as it was then.
      if (
        state === 'deleted' &&
        input.createdAt !== undefined &&
        input.createdAt <= (found?.deletedAt ?? 0) &&
        (found?.was === 'succeeded' || found?.was === 'failed')
      ) {
        state = found.was;
      }
      if (state === 'failed' && failedDep === undefined) failedDep = dep;
      if (state !== 'succeeded') pendingSet.add(dep);
    }
    const pending = [...pendingSet];
    space.entries.set(name, entry);
    reblock(space, name);

    if (failedDep !== undefined) {
      const root = space.entries.get(failedDep)?.cause || failedDep;
      const message = depMessage(failedDep, root);
      Object.assign(entry, { state: 'failed', message, cause: root });
      return { kind: 'failed', message, dependents: failFrom(space, name, root, false) };
    }
    if (pending.length === 0) {
      entry.state = 'ready';
      return { kind: 'ready', task: readyTask(space, name, entry) };
    }
    entry.pending = pendingSet;
    if (space.dependents.get(name)?.size) {
      const cycle = findCycle(space, name);
      if (cycle) {
        const message = `Dependency cycle: ${cycle.join(' → ')}`;
        Object.assign(entry, { state: 'failed', message, cause: name, cycle });
        return { kind: 'failed', message, cycle: [...cycle], dependents: failFrom(space, name, name, false) };
      }
    }
    return waiting(space, pending);
  }

  function recordCompletion(input: CompletionInput): CompletionOutcome {
    const space = ns(input.namespace);
    const { name } = input;
    const uid = input.uid ?? '';
    let entry = space.entries.get(name);
    let status: CompletionOutcome['status'] = 'recorded';
    let succeeded = input.succeeded;
    if (entry) {
      if ((uid !== '' && entry.uid !== '' && entry.uid !== uid) || entry.state === 'deleted') return { status: 'stale', ready: [], failed: [] };
      if (entry.state === 'succeeded' || entry.state === 'failed') {
        // Already settled: the first result stands; walk its consequences again.
        status = 'duplicate';
        succeeded = entry.state === 'succeeded';
      }
    } else {
      // Never registered (or the index was lost): keep the result for whoever waits on the name.
      entry = newEntry(uid);
      space.entries.set(name, entry);
    }
    if (status === 'recorded') {
      Object.assign(entry, {
        state: succeeded ? 'succeeded' : 'failed',
        outputs: copyList(input.outputs),
        results: copyMap(input.results),
        response: input.response,
        message: succeeded ? '' : (input.message ?? ''),
        prompt: null,
      });
    }

    const ready: ReadyTask[] = [];
    if (!succeeded) {
      return { status, ready, failed: failFrom(space, name, entry.cause || name, status === 'duplicate') };
    }
    for (const dependent of dependentsOf(space, name)) {
      const other = space.entries.get(dependent);
      if (other?.state === 'waiting') {
        if (other.pending.delete(name) && other.pending.size === 0) {
          other.state = 'ready';
          ready.push(readyTask(space, dependent, other));
        }
      } else if (other?.state === 'ready' && status === 'duplicate') {
        ready.push(readyTask(space, dependent, other));
      }
    }
    return { status, ready, failed: [] };
  }

  return {
    async register(input) {
      return register(input);
    },
    async recordCompletion(input) {
      return recordCompletion(input);
    },
    async recordPrompts(namespace, prompts) {
      for (const { name, uid, prompt } of prompts) {
        const entry = namespaces.get(namespace)?.entries.get(name);
        if (entry && entry.uid === uid && entry.state === 'ready') entry.prompt ??= prompt;
      }
    },
    async markLaunched(namespace, name, uid) {
      const entry = namespaces.get(namespace)?.entries.get(name);
      if (!entry || entry.uid !== uid || entry.state !== 'ready') return false;
      entry.state = 'launched';
      entry.prompt = null;
      return true;
    },
    async get(namespace, name): Promise<TaskEntry | null> {
      const entry = namespaces.get(namespace)?.entries.get(name);
      return entry ? { uid: entry.uid, state: entry.state } : null;
    },
    async getForLaunch(namespace, name): Promise<LaunchEntry | null> {
      const entry = namespaces.get(namespace)?.entries.get(name);
      return entry ? { uid: entry.uid, state: entry.state, prompt: entry.prompt } : null;
    },
    async remove(namespace, name, uid, deletedAt = Date.now()) {
      const space = namespaces.get(namespace);
      const entry = space?.entries.get(name);
      if (!space || !entry || entry.uid !== uid || entry.state === 'deleted') return;
      dropEdges(space, name, entry.deps);
      const was = entry.state;
      Object.assign(entry, { state: 'deleted', was, deletedAt, deps: [], needs: [], template: '', pending: new Set(), prompt: null, cycle: null });
      if (was !== 'succeeded') Object.assign(entry, { outputs: null, results: null, response: '' });
      if (was !== 'failed') Object.assign(entry, { message: '', cause: '' });
    },
    async purgeDeleted(namespace, name, uid, deletedBefore) {
      const space = namespaces.get(namespace);
      const entry = space?.entries.get(name);
      if (!space || !entry || entry.uid !== uid || entry.state !== 'deleted' || (entry.deletedAt ?? 0) >= deletedBefore) return false;
      if (stillWanted(space, name)) return false;
      space.entries.delete(name);
      return true;
    },
    async pendingOf(namespace, name, uid) {
      const entry = namespaces.get(namespace)?.entries.get(name);
      if (!entry || entry.uid !== uid || entry.state !== 'waiting') return null;
      return [...entry.pending];
    },
    async scanEntries(namespace, cursor, count) {
      // The cursor is the last name handed out (after '>'), so names present throughout are
      // never missed, whatever is added or removed between pages.
      const after = cursor.startsWith('>') ? cursor.slice(1) : undefined;
      const names = [...(namespaces.get(namespace)?.entries.keys() ?? [])].filter((n) => after === undefined || n > after).sort();
      const slice = names.slice(0, Math.max(1, count));
      const next = slice.length < names.length ? `>${slice.at(-1)!}` : '0';
      const entries = slice.map((name) => {
        const entry = namespaces.get(namespace)!.entries.get(name)!;
        return entry.state === 'deleted' && entry.deletedAt !== undefined
          ? { name, uid: entry.uid, state: entry.state, deletedAt: entry.deletedAt }
          : { name, uid: entry.uid, state: entry.state };
      });
      return { cursor: next, entries };
    },
    async listNamespaces() {
      return [...namespaces.entries()].filter(([, space]) => space.entries.size > 0).map(([name]) => name).sort();
    },
    async ping() {},
    async close() {},
  };
}
