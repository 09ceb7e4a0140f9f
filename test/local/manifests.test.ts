import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifests, parseManifests } from '../../shared/local/manifests.js';
import { readSecret } from '../../shared/local/secrets.js';

test('files and directories are read like kubectl apply -f: every document, sorted by kind', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dendrite-manifests-'));
  writeFileSync(join(dir, 'b.yaml'), 'apiVersion: axon.io/v1alpha1\nkind: Task\nmetadata: {name: b}\n---\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n');
  writeFileSync(join(dir, 'a.json'), '{"apiVersion": "axon.io/v1alpha1", "kind": "Task", "metadata": {"name": "a"}}');
  writeFileSync(join(dir, 'notes.txt'), 'ignored');
  mkdirSync(join(dir, 'nested'));
  writeFileSync(join(dir, 'nested', 'c.yaml'), 'kind: Task');
  writeFileSync(join(dir, 'other.yml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n');
  const manifests = loadManifests([dir]);
  assert.deepEqual(manifests.tasks.map((d) => (d.object.metadata as { name: string }).name), ['a', 'b']);
  assert.deepEqual(manifests.secrets.map((d) => d.kind), ['Secret']);
  assert.deepEqual(manifests.others.map((d) => d.kind), ['ConfigMap']);
  assert.throws(() => loadManifests([join(dir, 'missing.yaml')]), /missing\.yaml: no such file or directory/);
  assert.throws(() => loadManifests([join(dir, 'nested', 'empty')]), /no such file/);
});

test('positions point at the value in the file, or at the nearest written parent', () => {
  const [, doc] = parseManifests('f.yaml', 'kind: A\n---\nkind: Task\nspec:\n  dependsOn:\n    - x\n    - y\n');
  assert.deepEqual(doc!.positionOf(['spec', 'dependsOn', 1]), { line: 7, col: 7 });
  assert.deepEqual(doc!.positionOf(['spec', 'prompt']), { line: 5, col: 3 });
  assert.equal(doc!.index, 1);
  assert.throws(() => parseManifests('bad.yaml', 'a: b\n  c: [d\n'), /^ManifestError: bad\.yaml:\d+:\d+: YAML: /);
  assert.throws(() => parseManifests('list.yaml', '- a\n- b\n'), /list\.yaml:1:1: a manifest must be a mapping/);
});

test('a kind: List, or a task.submit event\'s data ({"items": [...]}), is read as the manifests it holds, each at its own position', () => {
  const list = parseManifests('list.yaml', 'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: axon.io/v1alpha1\n    kind: Task\n    metadata: {name: a}\n  - apiVersion: v1\n    kind: Secret\n    metadata: {name: s}\n');
  assert.deepEqual(list.map((d) => d.kind), ['Task', 'Secret']);
  assert.deepEqual(list[1]!.positionOf(['metadata', 'name']), { line: 9, col: 22 });
  const submission = parseManifests('dag.json', '{"items": [\n {"apiVersion": "axon.io/v1alpha1", "kind": "Task", "metadata": {"name": "x"}},\n {"apiVersion": "axon.io/v1alpha1", "kind": "Task", "metadata": {"name": "y"}}\n]}');
  assert.deepEqual(submission.map((d) => (d.object.metadata as { name: string }).name), ['x', 'y']);
  assert.deepEqual(submission[1]!.positionOf(['metadata', 'name']), { line: 3, col: 74 });
  // A mapping with items and a kind of its own is that kind, not a list.
  assert.deepEqual(parseManifests('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nitems: [1]\n').map((d) => d.kind), ['ConfigMap']);
  assert.throws(() => parseManifests('bad.json', '{"items": [1]}'), /bad\.json:1:12: items\[0\]: a manifest must be a mapping/);
});

test('Secrets decode base64 data, stringData wins, and bad data is named without its value', () => {
  const secret = readSecret(
    { metadata: { name: 's', namespace: 'team' }, data: { A: Buffer.from('from-data').toString('base64'), B: 'Yg==' }, stringData: { B: 'plain' } },
    'default',
  );
  assert.equal(secret.namespace, 'team');
  assert.deepEqual(Object.fromEntries(secret.values), { A: 'from-data', B: 'plain' });
  assert.throws(() => readSecret({ metadata: { name: 's' }, data: { K: 'not base64!' } }, 'default'), (err: Error) => {
    assert.match(err.message, /data\.K is not valid base64/);
    assert.ok(!err.message.includes('not base64!'), 'the value is not echoed');
    return true;
  });
  // As the API server: padded base64 only (Go's decoder), every value a string.
  assert.throws(() => readSecret({ metadata: { name: 's' }, data: { K: 'YWJj' + 'ZA' } }, 'default'), /data\.K is not valid base64/);
  assert.throws(() => readSecret({ metadata: { name: 's' }, stringData: { K: { a: 1 } } }, 'default'), /Secret s: stringData\.K must be a string, got a map/);
  assert.throws(() => readSecret({ metadata: { name: 's' }, data: { K: 42 } }, 'default'), /data\.K must be a string, got a number/);
  assert.deepEqual(Object.fromEntries(readSecret({ metadata: { name: 's' }, stringData: { K: null } }, 'default').values), { K: '' });
});
