import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPager } from '../../shared/local/pages.js';

test('pages walk every object once, in key order, per namespace or all, with continue tokens', () => {
  const map = new Map<string, { name: string }>();
  const names = ['b/x', 'a/z', 'a-b/y', 'a/x', 'c/a', 'a/y', 'a0/q'];
  for (const key of names) map.set(key, { name: key });
  const pager = createPager(map, (v: { name: string }) => v);
  const walk = (namespace: string | undefined, limit: number) => {
    const seen: string[] = [];
    let continueToken: string | undefined;
    do {
      const page = pager.page({ namespace, limit, continueToken });
      assert.ok(page.items.length <= limit);
      seen.push(...page.items.map((i) => i.name));
      continueToken = page.continueToken;
    } while (continueToken);
    return seen;
  };
  assert.deepEqual(walk(undefined, 2), [...names].sort());
  assert.deepEqual(walk('a', 2), ['a/x', 'a/y', 'a/z']);
  assert.deepEqual(walk('a', 3), ['a/x', 'a/y', 'a/z'], 'an exact last page has no token');
  assert.deepEqual(walk('none', 5), []);
  map.set('a/w', { name: 'a/w' });
  pager.changed();
  assert.deepEqual(walk('a', 10), ['a/w', 'a/x', 'a/y', 'a/z']);
  const item = pager.page({ namespace: 'c' }).items[0]!;
  item.name = 'changed';
  assert.equal(map.get('c/a')!.name, 'c/a', 'pages hand out copies');
});
