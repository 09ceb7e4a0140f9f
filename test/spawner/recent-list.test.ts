/**
 * The TaskSpawners list events are offered to: at most maxAgeMs old, one LIST for concurrent
 * callers, a failed LIST not kept, the tick's fresh list kept for the events after it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ListOptions, ListPage } from '../../shared/cluster/cluster.js';
import type { TaskSpawner } from '../../shared/spawner/model.js';
import type { SpawnerCluster } from '../../shared/spawner/port.js';
import { recentSpawners } from '../../shared/spawner/recent-list.js';

function countingCluster() {
  let names = ['a'];
  let failNext = false;
  const lists: string[] = [];
  const cluster: SpawnerCluster = {
    async listTaskSpawnerPage(options?: ListOptions): Promise<ListPage<TaskSpawner>> {
      lists.push(options?.namespace ?? '');
      await new Promise((resolve) => setImmediate(resolve));
      if (failNext) {
        failNext = false;
        throw new Error('API down');
      }
      return { items: names.map((name) => ({ metadata: { name, namespace: options?.namespace ?? '', uid: name } }) as TaskSpawner) };
    },
    getTaskSpawner: async () => null,
    patchTaskSpawnerStatus: async () => {},
  };
  return { cluster, lists, setNames: (n: string[]) => (names = n), failNext: () => (failNext = true) };
}

const namesOf = (list: TaskSpawner[]) => list.map((s) => `${s.metadata.namespace}/${s.metadata.name}`);

test('within maxAgeMs the same list, after it a new one; concurrent callers share one LIST per namespace', async () => {
  let now = 0;
  const c = countingCluster();
  const spawners = recentSpawners(c.cluster, ['ns1', 'ns2'], { maxAgeMs: 2000, clock: () => now });
  const all = await Promise.all(Array.from({ length: 10 }, () => spawners.recent()));
  assert.deepEqual(c.lists, ['ns1', 'ns2'], 'ten callers at once: one listing');
  assert.ok(all.every((l) => namesOf(l).join() === 'ns1/a,ns2/a'));
  c.setNames(['a', 'b']);
  now = 1999;
  assert.deepEqual(namesOf(await spawners.recent()), ['ns1/a', 'ns2/a'], 'still the kept list');
  assert.equal(c.lists.length, 2);
  now = 2000;
  assert.deepEqual(namesOf(await spawners.recent()), ['ns1/a', 'ns1/b', 'ns2/a', 'ns2/b'], 'a new spawner is seen once the list is maxAgeMs old');
  assert.equal(c.lists.length, 4);
});

test('a failed LIST is not kept, and fresh() lists now and serves the callers after it', async () => {
  let now = 0;
  const c = countingCluster();
  const spawners = recentSpawners(c.cluster, ['ns'], { maxAgeMs: 2000, clock: () => now });
  c.failNext();
  await assert.rejects(spawners.recent(), /API down/);
  assert.deepEqual(namesOf(await spawners.recent()), ['ns/a'], 'the next caller asks again');
  assert.equal(c.lists.length, 2);
  c.setNames(['z']);
  now = 10;
  assert.deepEqual(namesOf(await spawners.fresh()), ['ns/z'], 'the tick lists afresh');
  now = 20;
  assert.deepEqual(namesOf(await spawners.recent()), ['ns/z'], 'and events after it use that list');
  assert.equal(c.lists.length, 3);
});
