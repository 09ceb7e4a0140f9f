/**
 * One issue read from GitHub's REST API (fake GitHub over HTTP): GitHub's copy, pull requests
 * told apart, an unchanged issue answered from the ETag cache (304), and an absent issue
 * remembered for a while so that made-up numbers do not each cost a request.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createGitHubClient } from '../../shared/spawner/github-api.js';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';

let gh: FakeGitHub;
before(async () => {
  gh = await startFakeGitHub('your-org', 'your-repo');
});
after(() => gh.close());

const single = () => gh.requests.filter((r) => /\/issues\/\d+$/.test(r.path));

test('an issue as GitHub has it; a pull request says so; unchanged, it is a 304', async () => {
  gh.issues.push({ number: 1, title: 'crash', body: 'trace', labels: ['bug'] }, { number: 2, title: 'fix', pull: true });
  const client = createGitHubClient();
  const query = { apiBase: gh.url, owner: 'your-org', repo: 'your-repo', token: 't' };
  const issue = await client.issue(query, 1);
  assert.equal(issue?.title, 'crash');
  assert.equal(issue?.body, 'trace');
  assert.deepEqual(issue?.labels, [{ name: 'bug' }]);
  assert.equal(issue?.pull_request, undefined);
  assert.ok((await client.issue(query, 2))?.pull_request, 'a pull request');
  assert.equal((await client.issue(query, 1))?.title, 'crash');
  assert.deepEqual(single().map((r) => [r.path.split('/').at(-1), r.status]), [['1', 200], ['2', 200], ['1', 304]]);
});

test('an absent issue is null, and is not asked for again until absentForMs has passed', async () => {
  gh.requests.length = 0;
  let clock = 1_000_000;
  const client = createGitHubClient({ absentForMs: 60_000, now: () => clock });
  const query = { apiBase: gh.url, owner: 'your-org', repo: 'your-repo' };
  assert.equal(await client.issue(query, 77), null);
  clock += 59_999;
  assert.equal(await client.issue(query, 77), null);
  assert.equal(single().length, 1, 'remembered as absent');
  gh.issues.push({ number: 77, title: 'new after all' });
  clock += 1;
  assert.equal((await client.issue(query, 77))?.title, 'new after all', 'asked again once the time is up');
  assert.equal(single().length, 2);
});
