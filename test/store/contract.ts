/**
 * The Store contract: every implementation (Redis, memory) must pass it unchanged.
 * Each test gets a fresh, empty store from `makeStore`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type {
  CompletionInput,
  CompletionOutcome,
  FailedTask,
  ReadyTask,
  RegisterInput,
  RegisterOutcome,
  Store,
} from '../../shared/store/store.js';

export type MakeStore = () => Promise<{ store: Store; cleanup(): Promise<void> }>;

const NS = 'team-a';

export const uidOf = (name: string, generation = 1): string => `uid-${name}-${generation}`;

/** A registration with sensible defaults: namespace NS, uid `uid-<name>-1`, go dialect. */
export function task(name: string, dependsOn: string[] = [], extra: Partial<RegisterInput> = {}): RegisterInput {
  return { namespace: NS, name, uid: uidOf(name), dependsOn, template: `prompt of ${name}`, dialect: 'go', ...extra };
}

export function success(name: string, outputs: string[] | null = [`out of ${name}`], extra: Partial<CompletionInput> = {}): CompletionInput {
  return { namespace: NS, name, uid: uidOf(name), succeeded: true, outputs, results: { from: name }, response: `answer of ${name}`, ...extra };
}

export function failure(name: string, extra: Partial<CompletionInput> = {}): CompletionInput {
  return { namespace: NS, name, uid: uidOf(name), succeeded: false, outputs: null, results: null, response: '', message: `${name} broke`, ...extra };
}

/** The ReadyTask a dependent of `deps` gets when every dep completed through `success`. */
export function expectedReady(name: string, deps: string[], extra: Partial<ReadyTask> = {}): ReadyTask {
  return {
    name,
    uid: uidOf(name),
    template: `prompt of ${name}`,
    dialect: 'go',
    deps: deps.map((dep) => ({ name: dep, outputs: [`out of ${dep}`], results: { from: dep }, response: `answer of ${dep}` })),
    ...extra,
  };
}

const byName = <T extends { name: string }>(list: T[]): T[] => [...list].sort((a, b) => a.name.localeCompare(b.name));
const names = (list: { name: string }[]): string[] => list.map((t) => t.name).sort();

function assertReady(outcome: RegisterOutcome): ReadyTask {
  assert.equal(outcome.kind, 'ready', `expected ready, got ${JSON.stringify(outcome)}`);
  return (outcome as { task: ReadyTask }).task;
}

function assertFailed(outcome: RegisterOutcome): { message: string; cycle?: string[]; dependents: FailedTask[] } {
  assert.equal(outcome.kind, 'failed', `expected failed, got ${JSON.stringify(outcome)}`);
  return outcome as { message: string; cycle?: string[]; dependents: FailedTask[] };
}

/** Fisher–Yates with a fixed seed, so a failing order can be replayed. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export function storeContract(name: string, makeStore: MakeStore): void {
  /** Runs `body` against a fresh store and always cleans up. */
  function withStore(body: (store: Store) => Promise<void>): () => Promise<void> {
    return async () => {
      const { store, cleanup } = await makeStore();
      try {
        await body(store);
      } finally {
        await cleanup();
      }
    };
  }

  /** Register Tasks without dependencies, launch them and record their success. */
  async function succeed(store: Store, ...taskNames: string[]): Promise<CompletionOutcome[]> {
    const outcomes: CompletionOutcome[] = [];
    for (const n of taskNames) {
      await store.register(task(n));
      await store.markLaunched(NS, n, uidOf(n));
      outcomes.push(await store.recordCompletion(success(n)));
    }
    return outcomes;
  }

  describe(`Store contract: ${name}`, () => {
    describe('register', () => {
      it('a Task without dependencies is ready at once', withStore(async (store) => {
        const outcome = await store.register(task('solo', [], { template: 'Hello {{ .X }}', dialect: 'nunjucks' }));
        assert.deepEqual(outcome, {
          kind: 'ready',
          task: { name: 'solo', uid: uidOf('solo'), template: 'Hello {{ .X }}', dialect: 'nunjucks', deps: [] },
        });
        assert.deepEqual(await store.get(NS, 'solo'), { uid: uidOf('solo'), state: 'ready' });
      }));

      it('waits for the dependencies that have not succeeded, named in dependsOn order', withStore(async (store) => {
        await succeed(store, 'done');
        await store.register(task('running'));
        await store.markLaunched(NS, 'running', uidOf('running'));
        const outcome = await store.register(task('d', ['unknown', 'done', 'running', 'unknown-2']));
        assert.deepEqual(outcome, { kind: 'waiting', pending: ['unknown', 'running', 'unknown-2'] });
        assert.deepEqual(await store.get(NS, 'd'), { uid: uidOf('d'), state: 'waiting' });
      }));

      it('is ready when every dependency already succeeded, with their data in dependsOn order', withStore(async (store) => {
        await succeed(store, 'b', 'a');
        assert.deepEqual(await store.register(task('d', ['a', 'b'])), { kind: 'ready', task: expectedReady('d', ['a', 'b']) });
      }));

      it('lists a dependency named twice once while pending, and twice in the ReadyTask', withStore(async (store) => {
        assert.deepEqual(await store.register(task('d', ['a', 'a'])), { kind: 'waiting', pending: ['a'] });
        const [completion] = await succeed(store, 'a');
        assert.deepEqual(completion?.ready, [expectedReady('d', ['a', 'a'])]);
      }));

      it('waits for a dependency that does not exist yet, and runs once it is created and succeeds', withStore(async (store) => {
        assert.deepEqual(await store.register(task('d', ['later'])), { kind: 'waiting', pending: ['later'] });
        assert.equal((await store.register(task('later'))).kind, 'ready');
        assert.deepEqual((await store.get(NS, 'd'))?.state, 'waiting');
        const [completion] = await succeed(store, 'later');
        assert.deepEqual(completion, { status: 'recorded', ready: [expectedReady('d', ['later'])], failed: [] });
      }));

      describe('registering the same uid again changes nothing and reports the current state', () => {
        const cases: { state: string; prepare(store: Store): Promise<void>; expected: RegisterOutcome }[] = [
          {
            state: 'waiting',
            prepare: async (store) => {
              await succeed(store, 'a');
              await store.register(task('t', ['a', 'b', 'c']));
            },
            expected: { kind: 'waiting', pending: ['b', 'c'] },
          },
          {
            state: 'ready',
            prepare: async (store) => {
              await succeed(store, 'a');
              await store.register(task('t', ['a']));
            },
            expected: { kind: 'ready', task: expectedReady('t', ['a']) },
          },
          {
            state: 'launched',
            prepare: async (store) => {
              await store.register(task('t'));
              await store.markLaunched(NS, 't', uidOf('t'));
            },
            expected: { kind: 'settled', state: 'launched' },
          },
          {
            state: 'succeeded',
            prepare: async (store) => {
              await succeed(store, 't');
            },
            expected: { kind: 'settled', state: 'succeeded' },
          },
          {
            state: 'failed on its own',
            prepare: async (store) => {
              await store.register(task('t'));
              await store.recordCompletion(failure('t'));
            },
            expected: { kind: 'settled', state: 'failed' },
          },
        ];
        for (const c of cases) {
          it(c.state, withStore(async (store) => {
            await c.prepare(store);
            const before = await store.get(NS, 't');
            assert.deepEqual(await store.register(task('t', ['a', 'b', 'c'])), c.expected);
            assert.deepEqual(await store.register(task('t', ['a', 'b', 'c'])), c.expected);
            assert.deepEqual(await store.get(NS, 't'), before);
          }));
        }
      });

      it('counts nothing twice when a waiting Task is registered again', withStore(async (store) => {
        await store.register(task('d', ['a', 'b']));
        await store.register(task('d', ['a', 'b']));
        const [first] = await succeed(store, 'a');
        assert.deepEqual(first?.ready, []);
        await store.register(task('d', ['a', 'b']));
        const [second] = await succeed(store, 'b');
        assert.deepEqual(second?.ready, [expectedReady('d', ['a', 'b'])]);
      }));
    });

    describe('fan-in', () => {
      // The seed: synthesize-design depends on two research Tasks that finish in either order.
      const research = ['research-api-design', 'research-data-model'];
      for (const order of [research, [...research].reverse()]) {
        it(`releases the dependent exactly once when ${order.join(' then ')}`, withStore(async (store) => {
          for (const r of research) {
            assert.equal((await store.register(task(r))).kind, 'ready');
            assert.equal(await store.markLaunched(NS, r, uidOf(r)), true);
          }
          assert.deepEqual(await store.register(task('synthesize-design', research)), { kind: 'waiting', pending: research });

          const first = await store.recordCompletion(
            success(order[0] as string, ['endpoint: /v1/tasks'], { results: { schema: `schema by ${order[0]}` } }),
          );
          assert.deepEqual(first, { status: 'recorded', ready: [], failed: [] });
          assert.equal((await store.get(NS, 'synthesize-design'))?.state, 'waiting');

          const second = await store.recordCompletion(
            success(order[1] as string, ['table: tasks'], { results: { schema: `schema by ${order[1]}` } }),
          );
          const outputsOf = (r: string) => (r === order[0] ? ['endpoint: /v1/tasks'] : ['table: tasks']);
          assert.deepEqual(second, {
            status: 'recorded',
            ready: [
              {
                name: 'synthesize-design',
                uid: uidOf('synthesize-design'),
                template: 'prompt of synthesize-design',
                dialect: 'go',
                // dependsOn order, whatever the completion order
                deps: research.map((r) => ({ name: r, outputs: outputsOf(r), results: { schema: `schema by ${r}` }, response: `answer of ${r}` })),
              },
            ],
            failed: [],
          });
          assert.equal((await store.get(NS, 'synthesize-design'))?.state, 'ready');
        }));
      }

      it('releases a dependent of 1,000 Tasks only on the last completion, in any order', withStore(async (store) => {
        const deps = Array.from({ length: 1000 }, (_, i) => `dep-${String(i).padStart(4, '0')}`);
        for (const d of deps) await store.register(task(d));
        assert.deepEqual(await store.register(task('sink', deps)), { kind: 'waiting', pending: deps });
        const order = shuffled(deps, 7);
        let released: ReadyTask[] = [];
        for (const [i, d] of order.entries()) {
          const outcome = await store.recordCompletion(success(d));
          if (i < order.length - 1) assert.deepEqual(outcome.ready, [], `released early, after ${i + 1} completions`);
          else released = outcome.ready;
        }
        assert.deepEqual(released, [expectedReady('sink', deps)]);
      }));

      it('releases every dependent whose last dependency this was, and only those', withStore(async (store) => {
        await store.register(task('x', ['a']));
        await store.register(task('y', ['a', 'b']));
        await store.register(task('z', ['b']));
        const [completion] = await succeed(store, 'a');
        assert.deepEqual(byName(completion?.ready ?? []), [expectedReady('x', ['a'])]);
        const [next] = await succeed(store, 'b');
        assert.deepEqual(byName(next?.ready ?? []), [expectedReady('y', ['a', 'b']), expectedReady('z', ['b'])]);
      }));

      it('does not release a Task already released, launched or settled', withStore(async (store) => {
        await store.register(task('d', ['a']));
        await store.recordCompletion(success('d', ['external'], { uid: undefined }));
        const [completion] = await succeed(store, 'a');
        assert.deepEqual(completion?.ready, []);
        assert.equal((await store.get(NS, 'd'))?.state, 'succeeded');
      }));
    });

    describe('needs (the dependencies the prompt reads)', () => {
      it('gives a released Task only the needed dependencies, in dependsOn order, repeats kept', withStore(async (store) => {
        const needs = ['c', 'a', 'not-a-dependency'];
        assert.deepEqual(await store.register(task('d', ['a', 'b', 'c', 'a'], { needs })), { kind: 'waiting', pending: ['a', 'b', 'c'] });
        const completions = await succeed(store, 'c', 'a', 'b');
        assert.deepEqual(completions.map((c) => c.ready), [[], [], [expectedReady('d', ['a', 'c', 'a'])]]);
        // Registering the same uid again while ready reports the same subset.
        assert.deepEqual(await store.register(task('d', ['a', 'b', 'c', 'a'], { needs })), {
          kind: 'ready',
          task: expectedReady('d', ['a', 'c', 'a']),
        });
      }));

      it('applies needs when every dependency already succeeded at registration', withStore(async (store) => {
        await succeed(store, 'a', 'b', 'c');
        assert.deepEqual(await store.register(task('d', ['a', 'b', 'c'], { needs: ['b'] })), {
          kind: 'ready',
          task: expectedReady('d', ['b']),
        });
      }));

      it('gives no dependency data when needs is an empty list, but still waits for every dependency', withStore(async (store) => {
        assert.deepEqual(await store.register(task('d', ['a', 'b'], { needs: [] })), { kind: 'waiting', pending: ['a', 'b'] });
        const completions = await succeed(store, 'a', 'b');
        assert.deepEqual(completions.map((c) => c.ready), [[], [expectedReady('d', [])]]);
      }));

      it('gives every dependency when needs is absent', withStore(async (store) => {
        await store.register(task('d', ['a', 'b', 'c']));
        const completions = await succeed(store, 'b', 'c', 'a');
        assert.deepEqual(completions.map((c) => c.ready), [[], [], [expectedReady('d', ['a', 'b', 'c'])]]);
      }));

      it('forgets an old incarnation\'s needs when the name is registered again under a new uid', withStore(async (store) => {
        await store.register(task('d', ['a', 'b'], { needs: ['a'] }));
        await store.register(task('d', ['a', 'b'], { uid: uidOf('d', 2) }));
        const completions = await succeed(store, 'a', 'b');
        assert.deepEqual(completions.map((c) => c.ready), [[], [expectedReady('d', ['a', 'b'], { uid: uidOf('d', 2) })]]);
      }));
    });

    describe('recordCompletion', () => {
      it('records the result once and reports redeliveries as duplicate', withStore(async (store) => {
        await store.register(task('a'));
        await store.markLaunched(NS, 'a', uidOf('a'));
        await store.register(task('d', ['a']));
        const first = await store.recordCompletion(success('a'));
        assert.deepEqual(first, { status: 'recorded', ready: [expectedReady('d', ['a'])], failed: [] });
        assert.equal((await store.get(NS, 'a'))?.state, 'succeeded');

        // d is still ready: a redelivery repeats it, so an interrupted handler can finish.
        const again = await store.recordCompletion(success('a'));
        assert.deepEqual(again, { status: 'duplicate', ready: [expectedReady('d', ['a'])], failed: [] });

        // Once launched it is no longer repeated.
        assert.equal(await store.markLaunched(NS, 'd', uidOf('d')), true);
        assert.deepEqual(await store.recordCompletion(success('a')), { status: 'duplicate', ready: [], failed: [] });
      }));

      it('keeps the first result when a conflicting one arrives', withStore(async (store) => {
        await store.register(task('a'));
        await store.register(task('d', ['a']));
        await store.recordCompletion(success('a'));
        const conflicting = await store.recordCompletion(failure('a'));
        assert.equal(conflicting.status, 'duplicate');
        assert.deepEqual(conflicting.failed, []);
        assert.deepEqual(conflicting.ready, [expectedReady('d', ['a'])]);
        assert.equal((await store.get(NS, 'a'))?.state, 'succeeded');
        assert.equal((await store.get(NS, 'd'))?.state, 'ready');
      }));

      it('ignores a completion from an old incarnation (stale uid)', withStore(async (store) => {
        await store.register(task('a'));
        await store.register(task('a', [], { uid: uidOf('a', 2) }));
        await store.register(task('d', ['a']));
        const outcome = await store.recordCompletion(success('a'));
        assert.deepEqual(outcome, { status: 'stale', ready: [], failed: [] });
        assert.deepEqual(await store.get(NS, 'a'), { uid: uidOf('a', 2), state: 'ready' });
        assert.equal((await store.get(NS, 'd'))?.state, 'waiting');
        const stale = await store.recordCompletion(failure('a'));
        assert.equal(stale.status, 'stale');
        assert.equal((await store.get(NS, 'd'))?.state, 'waiting');
      }));

      it('accepts a completion without uid (external) for a registered Task', withStore(async (store) => {
        await store.register(task('a'));
        await store.register(task('d', ['a']));
        const outcome = await store.recordCompletion(success('a', ['ran elsewhere'], { uid: undefined }));
        assert.equal(outcome.status, 'recorded');
        assert.deepEqual(outcome.ready[0]?.deps, [{ name: 'a', outputs: ['ran elsewhere'], results: { from: 'a' }, response: 'answer of a' }]);
      }));

      it('records a completion of a Task it never saw and still releases the Tasks waiting for the name', withStore(async (store) => {
        await store.register(task('d', ['ghost']));
        const outcome = await store.recordCompletion(success('ghost'));
        assert.deepEqual(outcome, { status: 'recorded', ready: [expectedReady('d', ['ghost'])], failed: [] });
        assert.deepEqual(await store.get(NS, 'ghost'), { uid: uidOf('ghost'), state: 'succeeded' });
        // The Task is then registered (e.g. by resync after a Redis wipe): nothing to do.
        assert.deepEqual(await store.register(task('ghost')), { kind: 'settled', state: 'succeeded' });
        assert.equal((await store.recordCompletion(success('ghost'))).status, 'duplicate');
      }));

      it('keeps null outputs and results as null', withStore(async (store) => {
        await store.register(task('d', ['a']));
        const outcome = await store.recordCompletion(success('a', null, { results: null }));
        assert.deepEqual(outcome.ready[0]?.deps, [{ name: 'a', outputs: null, results: null, response: 'answer of a' }]);
      }));
    });

    describe('failure', () => {
      it('fails dependents transitively, each message naming its own dependency and the cause', withStore(async (store) => {
        await store.register(task('a'));
        await store.markLaunched(NS, 'a', uidOf('a'));
        await store.register(task('b', ['a']));
        await store.register(task('c', ['b']));
        await store.register(task('d', ['c', 'other']));
        await store.register(task('e', ['a', 'other']));
        const outcome = await store.recordCompletion(failure('a'));
        assert.equal(outcome.status, 'recorded');
        assert.deepEqual(outcome.ready, []);
        assert.deepEqual(byName(outcome.failed), [
          { name: 'b', uid: uidOf('b'), message: 'Dependency "a" failed' },
          { name: 'c', uid: uidOf('c'), message: 'Dependency "b" failed (caused by "a")' },
          { name: 'd', uid: uidOf('d'), message: 'Dependency "c" failed (caused by "a")' },
          { name: 'e', uid: uidOf('e'), message: 'Dependency "a" failed' },
        ]);
        for (const n of ['a', 'b', 'c', 'd', 'e']) assert.equal((await store.get(NS, n))?.state, 'failed', n);
        // `other` succeeding later releases nothing.
        const [late] = await succeed(store, 'other');
        assert.deepEqual(late?.ready, []);

        // A redelivery repeats the dependents it failed.
        const again = await store.recordCompletion(failure('a'));
        assert.equal(again.status, 'duplicate');
        assert.deepEqual(byName(again.failed), byName(outcome.failed));
      }));

      it('leaves dependents that are already launched or settled alone', withStore(async (store) => {
        await store.register(task('a'));
        await store.register(task('x', ['a']));
        await store.register(task('y', ['a']));
        // Both learn of `a` out of band (an external report) before a's own failure arrives.
        await store.recordCompletion(success('x', ['x ran'], { uid: undefined }));
        await store.recordCompletion(failure('y', { uid: undefined }));
        // z is running already (as the cluster reports after a rebuild): it cannot be failed.
        await store.register(task('z', ['a'], { observed: { phase: 'Launched' } }));
        const outcome = await store.recordCompletion(failure('a'));
        assert.deepEqual(outcome.failed, []);
        assert.equal((await store.get(NS, 'x'))?.state, 'succeeded');
        assert.equal((await store.get(NS, 'y'))?.state, 'failed');
        assert.equal((await store.get(NS, 'z'))?.state, 'launched');
      }));

      it('fails a Task registered after its dependency failed, and whatever already waited on it', withStore(async (store) => {
        await store.register(task('a'));
        await store.register(task('b', ['a']));
        await store.recordCompletion(failure('a'));
        await store.register(task('m', ['n']));
        await store.register(task('m2', ['m']));

        assert.deepEqual(await store.register(task('n', ['ok', 'a'])), {
          kind: 'failed',
          message: 'Dependency "a" failed',
          dependents: [
            { name: 'm', uid: uidOf('m'), message: 'Dependency "n" failed (caused by "a")' },
            { name: 'm2', uid: uidOf('m2'), message: 'Dependency "m" failed (caused by "a")' },
          ],
        });
        assert.equal((await store.get(NS, 'n'))?.state, 'failed');
        // Through a transitively failed dependency, the message names the root cause.
        const viaB = assertFailed(await store.register(task('c', ['b'])));
        assert.equal(viaB.message, 'Dependency "b" failed (caused by "a")');
        assert.deepEqual(viaB.dependents, []);
      }));

      it('repeats a failure it decided when the same uid registers again', withStore(async (store) => {
        await store.register(task('a'));
        await store.recordCompletion(failure('a'));
        await store.register(task('m', ['n']));
        const first = await store.register(task('n', ['a']));
        assert.deepEqual(await store.register(task('n', ['a'])), first);
        assert.equal(assertFailed(first).dependents.length, 1);
      }));

      it('fails waiting dependents of a failed completion from a Task it never saw', withStore(async (store) => {
        await store.register(task('d', ['ghost']));
        const outcome = await store.recordCompletion(failure('ghost', { uid: undefined }));
        assert.deepEqual(outcome, {
          status: 'recorded',
          ready: [],
          failed: [{ name: 'd', uid: uidOf('d'), message: 'Dependency "ghost" failed' }],
        });
      }));
    });

    describe('cycles', () => {
      const cases: { title: string; graph: [string, string[]][]; message: string; cycle: string[]; dependents: FailedTask[] }[] = [
        {
          title: 'a Task depending on itself',
          graph: [['a', ['a']]],
          message: 'Dependency cycle: a → a',
          cycle: ['a', 'a'],
          dependents: [],
        },
        {
          title: 'a cycle of 2',
          graph: [['a', ['b']], ['b', ['a']]],
          message: 'Dependency cycle: b → a → b',
          cycle: ['b', 'a', 'b'],
          dependents: [{ name: 'a', uid: uidOf('a'), message: 'Dependency "b" failed' }],
        },
        {
          title: 'a cycle of 3',
          graph: [['a', ['b']], ['b', ['c']], ['c', ['a']]],
          message: 'Dependency cycle: c → a → b → c',
          cycle: ['c', 'a', 'b', 'c'],
          dependents: [
            { name: 'a', uid: uidOf('a'), message: 'Dependency "b" failed (caused by "c")' },
            { name: 'b', uid: uidOf('b'), message: 'Dependency "c" failed' },
          ],
        },
        {
          title: 'a cycle of 2 with a Task hanging off it',
          graph: [['tail', ['a']], ['a', ['b', 'x']], ['b', ['a']]],
          message: 'Dependency cycle: b → a → b',
          cycle: ['b', 'a', 'b'],
          dependents: [
            { name: 'a', uid: uidOf('a'), message: 'Dependency "b" failed' },
            { name: 'tail', uid: uidOf('tail'), message: 'Dependency "a" failed (caused by "b")' },
          ],
        },
      ];
      for (const c of cases) {
        it(`fails ${c.title}, naming it`, withStore(async (store) => {
          const last = c.graph[c.graph.length - 1] as [string, string[]];
          for (const [n, deps] of c.graph.slice(0, -1)) assert.equal((await store.register(task(n, deps))).kind, 'waiting');
          const outcome = assertFailed(await store.register(task(last[0], last[1])));
          assert.equal(outcome.message, c.message);
          assert.deepEqual(outcome.cycle, c.cycle);
          assert.deepEqual(byName(outcome.dependents), c.dependents);
          for (const [n] of c.graph) assert.equal((await store.get(NS, n))?.state, 'failed', n);
          // Registering the closing Task again repeats the verdict (the cluster may not have it yet).
          const again = assertFailed(await store.register(task(last[0], last[1])));
          assert.deepEqual({ ...again, dependents: byName(again.dependents) }, { ...outcome, dependents: byName(outcome.dependents) });
        }));
      }

      it('does not mistake a diamond for a cycle', withStore(async (store) => {
        await store.register(task('top', ['left', 'right']));
        await store.register(task('left', ['bottom']));
        await store.register(task('right', ['bottom']));
        assert.equal((await store.register(task('bottom'))).kind, 'ready');
        assert.deepEqual(await store.register(task('x', ['top'])), { kind: 'waiting', pending: ['top'] });
      }));

      it('does not count a path through a Task that already ran', withStore(async (store) => {
        // b succeeded (reported externally) although it lists a: a may wait for it without deadlock.
        await store.register(task('b', ['a']));
        await store.recordCompletion(success('b', ['b ran'], { uid: undefined }));
        assertReady(await store.register(task('a', ['b'])));
      }));
    });

    describe('recreated Tasks (same name, new uid)', () => {
      it('replaces the old entry: its old dependencies no longer count', withStore(async (store) => {
        await store.register(task('d', ['x']));
        const replaced = await store.register(task('d', ['y'], { uid: uidOf('d', 2) }));
        assert.deepEqual(replaced, { kind: 'waiting', pending: ['y'] });
        const [fromX] = await succeed(store, 'x');
        assert.deepEqual(fromX?.ready, []);
        const [fromY] = await succeed(store, 'y');
        assert.deepEqual(fromY?.ready, [expectedReady('d', ['y'], { uid: uidOf('d', 2) })]);
        assert.equal(await store.markLaunched(NS, 'd', uidOf('d')), false);
        assert.equal(await store.markLaunched(NS, 'd', uidOf('d', 2)), true);
      }));

      it('replaces a settled entry: the new incarnation runs again', withStore(async (store) => {
        await succeed(store, 'a');
        assert.deepEqual(await store.register(task('a', [], { uid: uidOf('a', 2) })), {
          kind: 'ready',
          task: expectedReady('a', [], { uid: uidOf('a', 2) }),
        });
      }));

      it('a dependent registered before its dependency was recreated renders the old outputs; one registered after waits for the new', withStore(async (store) => {
        await store.register(task('d', ['x', 'y']));
        await succeed(store, 'x');
        // Recreated under the name (its delete event lost): the new incarnation inherits nothing.
        assert.equal((await store.register(task('x', [], { uid: uidOf('x', 2) }))).kind, 'ready');
        assert.deepEqual(await store.register(task('d', ['x', 'y'])), { kind: 'waiting', pending: ['y'] });
        assert.deepEqual(await store.register(task('late', ['x'])), { kind: 'waiting', pending: ['x'] });
        const [fromY] = await succeed(store, 'y');
        assert.deepEqual(fromY?.ready, [expectedReady('d', ['x', 'y'])]);
        const second = await store.recordCompletion(success('x', ['second run'], { uid: uidOf('x', 2) }));
        assert.deepEqual(names(second.ready), ['late']);
        assert.deepEqual(second.ready[0]?.deps[0], { name: 'x', outputs: ['second run'], results: { from: 'x' }, response: 'answer of x' });
      }));

      it('a dependent keeps its copy when the recreated dependency is restored as running (a rebuilt index)', withStore(async (store) => {
        await store.register(task('d', ['x', 'y']));
        await succeed(store, 'x');
        await store.register(task('x', [], { uid: uidOf('x', 2), observed: { phase: 'Launched' } }));
        assert.deepEqual(await store.register(task('d', ['x', 'y'])), { kind: 'waiting', pending: ['y'] });
        const [fromY] = await succeed(store, 'y');
        assert.deepEqual(fromY?.ready, [expectedReady('d', ['x', 'y'])]);
      }));
    });

    describe('markLaunched', () => {
      it('moves ready to launched only, once, for the registered uid', withStore(async (store) => {
        await store.register(task('r'));
        await store.register(task('w', ['r']));
        assert.equal(await store.markLaunched(NS, 'r', uidOf('r', 9)), false);
        assert.equal(await store.markLaunched(NS, 'w', uidOf('w')), false);
        assert.equal(await store.markLaunched(NS, 'nobody', uidOf('nobody')), false);
        assert.equal(await store.markLaunched(NS, 'r', uidOf('r')), true);
        assert.equal(await store.markLaunched(NS, 'r', uidOf('r')), false);
        assert.deepEqual(await store.get(NS, 'r'), { uid: uidOf('r'), state: 'launched' });
        assert.deepEqual(await store.get(NS, 'w'), { uid: uidOf('w'), state: 'waiting' });
      }));
    });

    describe('recorded prompts', () => {
      it('records the prompt of a ready Task only, for its own uid, and the first one stands', withStore(async (store) => {
        await store.register(task('r'));
        await store.register(task('w', ['r-never']));
        await store.recordPrompts(NS, [
          { name: 'r', uid: uidOf('r', 9), prompt: 'other incarnation' },
          { name: 'w', uid: uidOf('w'), prompt: 'not ready' },
          { name: 'nobody', uid: uidOf('nobody'), prompt: 'unknown' },
        ]);
        assert.deepEqual(await store.getForLaunch(NS, 'r'), { uid: uidOf('r'), state: 'ready', prompt: null });
        assert.deepEqual(await store.getForLaunch(NS, 'w'), { uid: uidOf('w'), state: 'waiting', prompt: null });
        assert.equal(await store.getForLaunch(NS, 'nobody'), null);
        await store.recordPrompts(NS, [{ name: 'r', uid: uidOf('r'), prompt: 'the rendered one' }]);
        await store.recordPrompts(NS, [{ name: 'r', uid: uidOf('r'), prompt: 'a later one' }]);
        assert.deepEqual(await store.getForLaunch(NS, 'r'), { uid: uidOf('r'), state: 'ready', prompt: 'the rendered one' });
        assert.deepEqual(await store.get(NS, 'r'), { uid: uidOf('r'), state: 'ready' }, 'get does not carry the prompt');
      }));

      it('records many at once, keeps text exactly, and drops a prompt at launch', withStore(async (store) => {
        const text = 'unicode ✓ "quotes"\n{{ not a template }}\u0000end';
        await store.register(task('a'));
        await store.register(task('b'));
        await store.recordPrompts(NS, [
          { name: 'a', uid: uidOf('a'), prompt: text },
          { name: 'b', uid: uidOf('b'), prompt: 'for b' },
        ]);
        assert.equal((await store.getForLaunch(NS, 'a'))?.prompt, text);
        assert.equal((await store.getForLaunch(NS, 'b'))?.prompt, 'for b');
        assert.equal(await store.markLaunched(NS, 'a', uidOf('a')), true);
        assert.deepEqual(await store.getForLaunch(NS, 'a'), { uid: uidOf('a'), state: 'launched', prompt: null });
        await store.recordPrompts(NS, []);
      }));

      it('a Task registered again under a new uid starts without the old prompt', withStore(async (store) => {
        await store.register(task('r'));
        await store.recordPrompts(NS, [{ name: 'r', uid: uidOf('r'), prompt: 'old' }]);
        await store.register(task('r', [], { uid: uidOf('r', 2) }));
        assert.deepEqual(await store.getForLaunch(NS, 'r'), { uid: uidOf('r', 2), state: 'ready', prompt: null });
      }));
    });

    describe('remove', () => {
      it('forgets the Task only for its own uid', withStore(async (store) => {
        await store.register(task('a'));
        await store.remove(NS, 'a', uidOf('a', 2));
        assert.deepEqual(await store.get(NS, 'a'), { uid: uidOf('a'), state: 'ready' });
        await store.remove(NS, 'a', uidOf('a'));
        assert.deepEqual(await store.get(NS, 'a'), { uid: uidOf('a'), state: 'deleted' });
        await store.remove(NS, 'never', uidOf('never'));
        assert.equal(await store.get(NS, 'never'), null);
      }));

      it('drops a removed Task from its dependencies', withStore(async (store) => {
        await store.register(task('d', ['a']));
        await store.remove(NS, 'd', uidOf('d'));
        const [completion] = await succeed(store, 'a');
        assert.deepEqual(completion?.ready, []);
        assert.equal((await store.get(NS, 'd'))?.state, 'deleted');
      }));

      it('keeps its dependents waiting for the name', withStore(async (store) => {
        await store.register(task('x'));
        await store.register(task('d', ['x']));
        await store.remove(NS, 'x', uidOf('x'));
        assert.deepEqual(await store.register(task('d', ['x'])), { kind: 'waiting', pending: ['x'], deleted: ['x'] });
        await store.register(task('x', [], { uid: uidOf('x', 2) }));
        const outcome = await store.recordCompletion(success('x', ['new x'], { uid: uidOf('x', 2) }));
        assert.deepEqual(names(outcome.ready), ['d']);
      }));

      it('a succeeded dependency deleted stays readable for the dependents registered before it went', withStore(async (store) => {
        await store.register(task('d', ['x', 'y']));
        await succeed(store, 'x');
        await store.remove(NS, 'x', uidOf('x'));
        assert.deepEqual(await store.get(NS, 'x'), { uid: uidOf('x'), state: 'deleted' });
        assert.deepEqual(await store.register(task('d', ['x', 'y'])), { kind: 'waiting', pending: ['y'] });
        const [fromY] = await succeed(store, 'y');
        assert.deepEqual(fromY?.ready, [expectedReady('d', ['x', 'y'])]);
      }));

      it('a Task registered after its dependency was deleted waits, told so, and goes on when a new Task of the name succeeds', withStore(async (store) => {
        await store.register(task('d', ['x', 'y']));
        await succeed(store, 'x');
        await store.remove(NS, 'x', uidOf('x'));
        assert.deepEqual(await store.register(task('late', ['x', 'y'])), { kind: 'waiting', pending: ['x', 'y'], deleted: ['x'] });
        assert.deepEqual(await store.register(task('late', ['x', 'y'])), { kind: 'waiting', pending: ['x', 'y'], deleted: ['x'] }, 'the same again');
        const [fromY] = await succeed(store, 'y');
        assert.deepEqual(names(fromY!.ready), ['d']);
        assert.deepEqual(fromY?.ready[0]?.deps[0], { name: 'x', outputs: ['out of x'], results: { from: 'x' }, response: 'answer of x' });
        await store.register(task('x', [], { uid: uidOf('x', 2) }));
        const second = await store.recordCompletion(success('x', ['second run'], { uid: uidOf('x', 2) }));
        assert.deepEqual(names(second.ready), ['late']);
        assert.deepEqual(second.ready[0]?.deps.map((dep) => dep.outputs), [['second run'], ['out of y']]);
      }));

      it('a Task created before its dependency was deleted sees it as it was: its outputs, or its failure', withStore(async (store) => {
        await succeed(store, 'good');
        await store.register(task('bad'));
        await store.markLaunched(NS, 'bad', uidOf('bad'));
        await store.recordCompletion(failure('bad'));
        await store.remove(NS, 'good', uidOf('good'), 1000);
        await store.remove(NS, 'bad', uidOf('bad'), 1000);
        // Registered late (its add event was lost), but created before they went.
        assert.deepEqual(await store.register(task('early', ['good'], { createdAt: 900 })), { kind: 'ready', task: expectedReady('early', ['good']) });
        assert.equal(assertFailed(await store.register(task('early-bad', ['bad'], { createdAt: 1000 }))).message, 'Dependency "bad" failed');
        // Created after: they wait for new Tasks of those names, told why.
        assert.deepEqual(await store.register(task('late', ['good', 'bad'], { createdAt: 1001 })), { kind: 'waiting', pending: ['good', 'bad'], deleted: ['good', 'bad'] });
      }));

      it('a tombstone is purged only once it is older than asked and nothing not yet launched depends on it', withStore(async (store) => {
        await succeed(store, 'lonely');
        await store.remove(NS, 'lonely', uidOf('lonely'), 1000);
        assert.equal(await store.purgeDeleted(NS, 'lonely', uidOf('lonely'), 1000), false, 'not older');
        assert.equal(await store.purgeDeleted(NS, 'lonely', uidOf('lonely', 2), 2000), false, 'another uid');
        assert.equal(await store.purgeDeleted(NS, 'lonely', uidOf('lonely'), 2000), true);
        assert.equal(await store.get(NS, 'lonely'), null);
        await succeed(store, 'x');
        assert.equal((await store.register(task('d', ['x']))).kind, 'ready');
        await store.remove(NS, 'x', uidOf('x'), 1000);
        assert.equal(await store.purgeDeleted(NS, 'x', uidOf('x'), 2000), false, 'd is released, not launched: it may render again');
        assert.equal(await store.markLaunched(NS, 'd', uidOf('d')), true);
        assert.equal(await store.purgeDeleted(NS, 'x', uidOf('x'), 2000), true);
        assert.equal(await store.purgeDeleted(NS, 'd', uidOf('d'), 2000), false, 'not a tombstone');
      }));

      it('a report for a deleted Task changes nothing, and registering it again says it is deleted', withStore(async (store) => {
        await store.register(task('x'));
        await store.register(task('d', ['x']));
        await store.markLaunched(NS, 'x', uidOf('x'));
        await store.remove(NS, 'x', uidOf('x'));
        assert.deepEqual(await store.recordCompletion(success('x')), { status: 'stale', ready: [], failed: [] });
        assert.deepEqual(await store.recordCompletion(success('x', undefined, { uid: undefined })), { status: 'stale', ready: [], failed: [] });
        assert.deepEqual(await store.register(task('x')), { kind: 'settled', state: 'deleted' });
        assert.deepEqual(await store.register(task('d', ['x'])), { kind: 'waiting', pending: ['x'], deleted: ['x'] });
      }));
    });

    describe('resync reads', () => {
      it('pendingOf: what a waiting Task still waits for, for its own uid only', withStore(async (store) => {
        await store.register(task('w', ['a', 'b', 'a']));
        assert.deepEqual((await store.pendingOf(NS, 'w', uidOf('w')))?.sort(), ['a', 'b']);
        await succeed(store, 'a');
        assert.deepEqual(await store.pendingOf(NS, 'w', uidOf('w')), ['b']);
        assert.equal(await store.pendingOf(NS, 'w', uidOf('w', 2)), null);
        assert.equal(await store.pendingOf(NS, 'a', uidOf('a')), null, 'not waiting');
        assert.equal(await store.pendingOf(NS, 'nobody', uidOf('nobody')), null);
      }));

      it('scanEntries walks every entry of the namespace page by page, tombstones with when they went', withStore(async (store) => {
        const all = Array.from({ length: 25 }, (_, i) => `t${String(i).padStart(2, '0')}`);
        for (const n of all) await store.register(task(n, n === 't00' ? [] : ['t00']));
        await store.register({ ...task('elsewhere'), namespace: 'team-b' });
        await store.remove(NS, 't24', uidOf('t24'), 1234);
        const seen = new Map<string, string>();
        let cursor = '0';
        let pages = 0;
        do {
          const page = await store.scanEntries(NS, cursor, 7);
          for (const entry of page.entries) {
            assert.equal(entry.uid, uidOf(entry.name));
            assert.equal(entry.deletedAt, entry.name === 't24' ? 1234 : undefined);
            seen.set(entry.name, entry.state);
          }
          cursor = page.cursor;
          pages++;
          assert.ok(pages < 100, 'the walk ends');
        } while (cursor !== '0');
        assert.deepEqual([...seen.keys()].sort(), all);
        assert.equal(seen.get('t24'), 'deleted', 'a tombstone is an entry too');
        assert.equal(seen.get('t00'), 'ready');
        assert.equal(seen.get('t01'), 'waiting');
        assert.deepEqual((await store.scanEntries('team-empty', '0', 10)).entries, []);
        assert.deepEqual(await store.listNamespaces(), [NS, 'team-b']);
      }));
    });

    describe('observed state (rebuilding after the index was lost)', () => {
      it('restores a succeeded Task with its outputs, without re-running it', withStore(async (store) => {
        const outcome = await store.register(
          task('a', [], { observed: { phase: 'Succeeded', outputs: ['kept'], results: { k: 'v' }, response: 'kept answer' } }),
        );
        assert.deepEqual(outcome, { kind: 'settled', state: 'succeeded' });
        assert.deepEqual(await store.get(NS, 'a'), { uid: uidOf('a'), state: 'succeeded' });
        assert.deepEqual(await store.register(task('d', ['a'])), {
          kind: 'ready',
          task: { ...expectedReady('d', []), deps: [{ name: 'a', outputs: ['kept'], results: { k: 'v' }, response: 'kept answer' }] },
        });
        assert.equal((await store.recordCompletion(success('a'))).status, 'duplicate');
      }));

      it('restores a failed Task: later dependents fail', withStore(async (store) => {
        const outcome = await store.register(task('a', [], { observed: { phase: 'Failed', message: 'boom' } }));
        assert.deepEqual(outcome, { kind: 'settled', state: 'failed' });
        assert.equal(assertFailed(await store.register(task('d', ['a']))).message, 'Dependency "a" failed');
      }));

      it('restores a launched Task: not launched again, completed normally', withStore(async (store) => {
        await store.register(task('d', ['a']));
        assert.deepEqual(await store.register(task('a', [], { observed: { phase: 'Launched' } })), {
          kind: 'settled',
          state: 'launched',
        });
        assert.equal(await store.markLaunched(NS, 'a', uidOf('a')), false);
        const completion = await store.recordCompletion(success('a'));
        assert.deepEqual(completion, { status: 'recorded', ready: [expectedReady('d', ['a'])], failed: [] });
      }));

      it('never releases or fails registered dependents itself; the completion delivered again does', withStore(async (store) => {
        await store.register(task('d', ['a']));
        await store.register(task('e', ['b']));
        await store.register(task('a', [], { observed: { phase: 'Succeeded', outputs: ['kept'], results: null, response: '' } }));
        await store.register(task('b', [], { observed: { phase: 'Failed', message: 'boom' } }));
        assert.equal((await store.get(NS, 'd'))?.state, 'waiting');
        assert.equal((await store.get(NS, 'e'))?.state, 'waiting');

        const released = await store.recordCompletion(success('a', ['kept'], { results: null }));
        assert.equal(released.status, 'duplicate');
        assert.deepEqual(names(released.ready), ['d']);
        assert.deepEqual(released.ready[0]?.deps, [{ name: 'a', outputs: ['kept'], results: null, response: '' }]);
        const failed = await store.recordCompletion(failure('b'));
        assert.deepEqual(failed, {
          status: 'duplicate',
          ready: [],
          failed: [{ name: 'e', uid: uidOf('e'), message: 'Dependency "b" failed' }],
        });
      }));
    });

    describe('namespaces', () => {
      it('keeps Tasks of the same name in different namespaces apart', withStore(async (store) => {
        const other = (input: RegisterInput | CompletionInput) => ({ ...input, namespace: 'team-b' });
        await store.register(task('d', ['a']));
        await store.register(other(task('d', ['a'])) as RegisterInput);
        await store.register(other(task('a')) as RegisterInput);
        const outcome = await store.recordCompletion(success('a'));
        assert.deepEqual(outcome.ready, [expectedReady('d', ['a'])]);
        assert.deepEqual(await store.get('team-b', 'd'), { uid: uidOf('d'), state: 'waiting' });
        assert.deepEqual(await store.get('team-b', 'a'), { uid: uidOf('a'), state: 'ready' });

        const failed = await store.recordCompletion(other(failure('a')) as CompletionInput);
        assert.deepEqual(names(failed.failed), ['d']);
        assert.equal((await store.get(NS, 'd'))?.state, 'ready');
        assert.equal(await store.get('team-c', 'd'), null);
      }));
    });

    describe('data', () => {
      it('hands out copies: changing a returned ReadyTask changes nothing stored', withStore(async (store) => {
        await store.register(task('d', ['a']));
        const outputs = ['one'];
        const results = { k: 'v' };
        const outcome = await store.recordCompletion(success('a', outputs, { results }));
        outputs.push('two');
        results.k = 'changed';
        const dep = outcome.ready[0]?.deps[0];
        assert.deepEqual(dep, { name: 'a', outputs: ['one'], results: { k: 'v' }, response: 'answer of a' });
        dep?.outputs?.push('three');
        const again = await store.recordCompletion(success('a'));
        assert.deepEqual(again.ready[0]?.deps[0], { name: 'a', outputs: ['one'], results: { k: 'v' }, response: 'answer of a' });
      }));

      it('keeps text exactly: unicode, quotes, newlines and JSON-looking strings', withStore(async (store) => {
        const template = 'Ünïcödé → {{ index .Deps "a" "Outputs" }}\n"quoted" \\ back\\slash {}';
        await store.register(task('d', ['a'], { template }));
        const outputs = ['line with "quotes"', '{"json": true}', 'tab\there', '日本語', ''];
        const response = 'An answer with "quotes", a ---AXON_OUTPUTS_START--- marker\nand 日本語 \u0000 {"json": 1}';
        const outcome = await store.recordCompletion(success('a', outputs, { results: { 'key: x': 'v\nw', empty: '' }, response }));
        assert.deepEqual(outcome.ready[0]?.template, template);
        assert.deepEqual(outcome.ready[0]?.deps[0], { name: 'a', outputs, results: { 'key: x': 'v\nw', empty: '' }, response });
      }));

      it('keeps empty outputs and results as empty (not null)', withStore(async (store) => {
        await store.register(task('d', ['a']));
        const outcome = await store.recordCompletion(success('a', [], { results: {}, response: '' }));
        assert.deepEqual(outcome.ready[0]?.deps[0], { name: 'a', outputs: [], results: {}, response: '' });
      }));
    });
  });
}
