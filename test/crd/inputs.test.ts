/**
 * The Workspace and AgentConfig CRDs: Axon's names and schemas (written out below from reading
 * Axon's api/v1alpha1 types and install-crd.yaml at d91a1cf: no status, no printer columns),
 * what they accept — our examples and Axon's own 02 Workspace — and what they refuse.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';

const root = new URL('../../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');
type Json = Record<string, any>;

function crdOf(file: string): { crd: Json; version: Json; validate: ValidateFunction } {
  const crd = parse(read(file)) as Json;
  const version = (crd.spec.versions as Json[]).find((v) => v.name === 'v1alpha1')!;
  return { crd, version, validate: new Ajv({ strict: false, allErrors: true }).compile(version.schema.openAPIV3Schema) };
}

const workspace = crdOf('crds/workspace.yaml');
const agentConfig = crdOf('crds/agentconfig.yaml');

test('workspaces.axon.io and agentconfigs.axon.io: namespaced, v1alpha1 served and stored, no status, no printer columns (as Axon\'s)', () => {
  for (const [{ crd, version }, kind, plural] of [[workspace, 'Workspace', 'workspaces'], [agentConfig, 'AgentConfig', 'agentconfigs']] as const) {
    assert.equal(crd.metadata.name, `${plural}.axon.io`);
    assert.equal(crd.spec.group, 'axon.io');
    assert.equal(crd.spec.scope, 'Namespaced');
    assert.deepEqual(crd.spec.names, { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() });
    assert.deepEqual([crd.spec.versions.length, version.served, version.storage], [1, true, true]);
    assert.equal(version.subresources, undefined);
    assert.equal(version.additionalPrinterColumns, undefined);
  }
});

test('the schemas are Axon\'s: fields, types, required, the repo pattern and the minimum lengths', () => {
  const ws = workspace.version.schema.openAPIV3Schema.properties.spec;
  assert.deepEqual(ws.required, ['repo']);
  assert.deepEqual(Object.keys(ws.properties).sort(), ['files', 'ref', 'repo', 'secretRef']);
  assert.equal(ws.properties.repo.pattern, '^(https?://|git://|git@).*');
  assert.deepEqual(ws.properties.secretRef.required, ['name']);
  assert.deepEqual(ws.properties.files.items.required, ['content', 'path']);
  assert.equal(ws.properties.files.items.properties.path.minLength, 1);
  const ac = agentConfig.version.schema.openAPIV3Schema.properties.spec;
  assert.equal(ac.required, undefined);
  assert.deepEqual(Object.keys(ac.properties).sort(), ['agentsMD', 'plugins']);
  const plugin = ac.properties.plugins.items;
  assert.deepEqual(plugin.required, ['name']);
  assert.equal(plugin.properties.name.minLength, 1);
  for (const list of ['skills', 'agents']) {
    assert.deepEqual(plugin.properties[list].items.required, ['content', 'name']);
    assert.equal(plugin.properties[list].items.properties.name.minLength, 1);
  }
});

test('the schemas are structural: every property and item has a type', () => {
  for (const { version } of [workspace, agentConfig]) {
    const missing: string[] = [];
    const walk = (node: Json, at: string): void => {
      if (node.type === undefined) missing.push(at);
      for (const [key, child] of Object.entries((node.properties ?? {}) as Record<string, Json>)) walk(child, `${at}.${key}`);
      if (node.items !== undefined) walk(node.items, `${at}[]`);
    };
    walk(version.schema.openAPIV3Schema, '');
    assert.deepEqual(missing, []);
  }
});

test('our examples\' Workspaces and AgentConfigs, and Axon\'s 02 Workspace, are accepted', (t) => {
  const docs = ['examples/02-task-with-workspace/workspace.yaml', 'examples/06-repository-orchestrator/workspace.yaml', 'examples/06-repository-orchestrator/agentconfig.yaml']
    .flatMap((file) => parseAllDocuments(read(file)).map((d) => d.toJS() as Json));
  const axon = new URL('../shared/axon-examples/02-task-with-workspace/workspace.yaml', root);
  if (existsSync(axon)) docs.push(parse(readFileSync(axon, 'utf8')) as Json);
  else t.diagnostic('../shared/axon-examples is absent: Axon\'s Workspace was not checked');
  for (const doc of docs) {
    const validate = doc.kind === 'Workspace' ? workspace.validate : agentConfig.validate;
    assert.equal(validate(doc), true, `${doc.metadata.name}: ${JSON.stringify(validate.errors)}`);
  }
  assert.ok(docs.some((d) => d.kind === 'AgentConfig') && docs.filter((d) => d.kind === 'Workspace').length >= 2);
});

const ws = (spec: Json) => ({ apiVersion: 'axon.io/v1alpha1', kind: 'Workspace', metadata: { name: 'w' }, spec });
const ac = (spec: Json) => ({ apiVersion: 'axon.io/v1alpha1', kind: 'AgentConfig', metadata: { name: 'a' }, spec });

const refused: Array<[string, ValidateFunction, Json, string]> = [
  ['a Workspace without a repo', workspace.validate, ws({ ref: 'main' }), '/spec'],
  ['an ftp:// repo', workspace.validate, ws({ repo: 'ftp://h/r' }), '/spec/repo'],
  ['a local path (the cluster refuses it; dendrite run takes it)', workspace.validate, ws({ repo: '/srv/git/r' }), '/spec/repo'],
  ['a secretRef without name', workspace.validate, ws({ repo: 'git://h/r', secretRef: {} }), '/spec/secretRef'],
  ['a file without content', workspace.validate, ws({ repo: 'git://h/r', files: [{ path: 'a' }] }), '/spec/files/0'],
  ['a file with an empty path', workspace.validate, ws({ repo: 'git://h/r', files: [{ path: '', content: '' }] }), '/spec/files/0/path'],
  ['a plugin without a name', agentConfig.validate, ac({ plugins: [{ skills: [] }] }), '/spec/plugins/0'],
  ['a skill without content', agentConfig.validate, ac({ plugins: [{ name: 'p', skills: [{ name: 's' }] }] }), '/spec/plugins/0/skills/0'],
  ['an agent with an empty name', agentConfig.validate, ac({ plugins: [{ name: 'p', agents: [{ name: '', content: '' }] }] }), '/spec/plugins/0/agents/0/name'],
  ['agentsMD that is not a string', agentConfig.validate, ac({ agentsMD: 3 }), '/spec/agentsMD'],
];

for (const [name, validate, input, at] of refused) {
  test(`the CRD schema refuses ${name}`, () => {
    assert.equal(validate(input), false);
    assert.ok(validate.errors?.some((e) => e.instancePath === at), `expected an error at "${at}", got ${JSON.stringify(validate.errors)}`);
  });
}
