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
  message: string;
  /** Set when the store failed it: the root of the failure (itself for a cycle it closed). */
  cause: string;
  cycle: string[] | null;
  /** The prompt the releasing step rendered (ready entries only). */
  prompt: string | null;
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
      const found = space.entries.get(dep);
      return { name: dep, outputs: copyList(found?.outputs ?? null), results: copyMap(found?.results ?? null) };
    });
    return { name, uid: entry.uid, template: entry.template, dialect: entry.dialect, deps };
  }

  /** Waiting Tasks that had counted <name> as done wait for it again (see lua/common.ts). */
  function reblock(space: Namespace, name: string): void {
    for (const dependent of dependentsOf(space, name)) {
      const entry = space.entries.get(dependent);
      if (entry?.state === 'waiting') entry.pending.add(name);
    }
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
        return { kind: 'waiting', pending: [...new Set(entry.deps)].filter((dep) => entry.pending.has(dep)) };
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
        return { kind: 'settled', state: entry.state };
    }
  }

  function register(input: RegisterInput): RegisterOutcome {
    const space = ns(input.namespace);
    const { name, uid } = input;
    const existing = space.entries.get(name);
    if (existing) {
      if (existing.uid === uid) return repeatOutcome(space, name, existing);
      dropEdges(space, name, existing.deps);
      space.entries.delete(name);
    }

    const deps = [...input.dependsOn];
    for (const dep of deps) addEdge(space, dep, name);
    const entry: Entry = {
      uid,
      state: 'waiting',
      deps,
      needs: neededDeps(deps, input.needs),
      template: input.template,
      dialect: input.dialect,
      pending: new Set(),
      outputs: null,
      results: null,
      message: '',
      cause: '',
      cycle: null,
      prompt: null,
    };

    const observed = input.observed;
    if (observed) {
      // Rebuilding from the cluster: take its word; never releases or fails dependents.
      if (observed.phase === 'Succeeded') {
        Object.assign(entry, { state: 'succeeded', outputs: copyList(observed.outputs), results: copyMap(observed.results) });
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
      const state = space.entries.get(dep)?.state;
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
    return { kind: 'waiting', pending };
  }

  function recordCompletion(input: CompletionInput): CompletionOutcome {
    const space = ns(input.namespace);
    const { name } = input;
    const uid = input.uid ?? '';
    let entry = space.entries.get(name);
    let status: CompletionOutcome['status'] = 'recorded';
    let succeeded = input.succeeded;
    if (entry) {
      if (uid !== '' && entry.uid !== '' && entry.uid !== uid) return { status: 'stale', ready: [], failed: [] };
      if (entry.state === 'succeeded' || entry.state === 'failed') {
        // Already settled: the first result stands; walk its consequences again.
        status = 'duplicate';
        succeeded = entry.state === 'succeeded';
      }
    } else {
      // Never registered (or the index was lost): keep the result for whoever waits on the name.
      entry = {
        uid,
        state: 'waiting',
        deps: [],
        needs: [],
        template: '',
        dialect: '' as TemplateDialect,
        pending: new Set(),
        outputs: null,
        results: null,
        message: '',
        cause: '',
        cycle: null,
        prompt: null,
      };
      space.entries.set(name, entry);
    }
    if (status === 'recorded') {
      Object.assign(entry, {
        state: succeeded ? 'succeeded' : 'failed',
        outputs: copyList(input.outputs),
        results: copyMap(input.results),
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
    async remove(namespace, name, uid) {
      const space = namespaces.get(namespace);
      const entry = space?.entries.get(name);
      if (!space || !entry || entry.uid !== uid) return;
      dropEdges(space, name, entry.deps);
      space.entries.delete(name);
      reblock(space, name);
    },
    async ping() {},
    async close() {},
  };
}
