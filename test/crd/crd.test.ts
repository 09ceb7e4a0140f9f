import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import { CREDENTIAL_TYPES, TASK_TYPES } from '../../shared/task/model.js';
import { MAX_DEPENDENCIES, validateTask } from '../../shared/task/validate.js';
import { SCHEMA_ACCEPTS, SCHEMA_REFUSES, schemaTask } from '../support/task-schema-cases.js';

// Compiled to dist/test/crd/, so the repository root is three levels up.
const root = new URL('../../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

// Fixtures are free-form JSON that the cases reshape at will, hence `any`.
type Json = Record<string, any>;

const crd = parse(read('crds/task.yaml')) as Json;
const version = (crd.spec.versions as Json[]).find((v) => v.name === 'v1alpha1') as Json;
const exampleTasks = parseAllDocuments(read('examples/05-orchestrator/tasks.yaml')).map((doc) => doc.toJS() as Json);

function schemaValidator(): ValidateFunction {
  // strict: false lets the x-kubernetes-* extensions through; the formats the API server
  // knows are declared so that they are checked, not ignored.
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s));
  return ajv.compile(version.schema.openAPIV3Schema);
}
const validate = schemaValidator();

test('the CRD defines tasks.axon.io, namespaced, v1alpha1 served and stored', () => {
  assert.equal(crd.apiVersion, 'apiextensions.k8s.io/v1');
  assert.equal(crd.kind, 'CustomResourceDefinition');
  assert.equal(crd.metadata.name, 'tasks.axon.io');
  assert.equal(crd.spec.group, 'axon.io');
  assert.equal(crd.spec.scope, 'Namespaced');
  assert.deepEqual(crd.spec.names, { kind: 'Task', listKind: 'TaskList', plural: 'tasks', singular: 'task' });
  assert.equal(crd.spec.versions.length, 1);
  assert.equal(version.served, true);
  assert.equal(version.storage, true);
});

test('the CRD has a status subresource and the printer columns', () => {
  assert.deepEqual(version.subresources, { status: {} });
  assert.deepEqual(version.additionalPrinterColumns, [
    { name: 'Type', type: 'string', jsonPath: '.spec.type' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Depends On', type: 'string', jsonPath: '.spec.dependsOn', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ]);
});

test('the schema enums agree with the model, the dependency cap with the validator', () => {
  const spec = version.schema.openAPIV3Schema.properties.spec;
  assert.deepEqual(spec.properties.type.enum, [...TASK_TYPES]);
  assert.deepEqual(spec.properties.credentials.properties.type.enum, [...CREDENTIAL_TYPES]);
  assert.equal(spec.properties.dependsOn.maxItems, MAX_DEPENDENCIES);
  assert.deepEqual(version.schema.openAPIV3Schema.properties.status.properties.phase.enum, [
    'Pending',
    'Waiting',
    'Running',
    'Succeeded',
    'Failed',
  ]);
});

test('the free-form fields keep what they are given', () => {
  const overrides = version.schema.openAPIV3Schema.properties.spec.properties.podOverrides.properties;
  assert.equal(overrides.resources['x-kubernetes-preserve-unknown-fields'], true);
  assert.equal(overrides.env.items.properties.valueFrom['x-kubernetes-preserve-unknown-fields'], true);
});

test('the example holds the seed three Tasks', () => {
  assert.deepEqual(
    exampleTasks.map((t) => [t.kind, t.metadata.name, t.spec.dependsOn ?? []]),
    [
      ['Task', 'research-api-design', []],
      ['Task', 'research-data-model', []],
      ['Task', 'synthesize-design', ['research-api-design', 'research-data-model']],
    ],
  );
  const synthesize = exampleTasks[2] as Json;
  assert.ok(
    synthesize.spec.prompt.includes('{{ range (index .Deps "research-api-design" "Outputs") }}- {{ . }}\n{{ end }}'),
  );
  assert.ok(synthesize.spec.prompt.includes('Schema: {{ index .Deps "research-data-model" "Results" "schema" }}'));
  for (const task of exampleTasks) {
    assert.deepEqual(task.spec.credentials, { type: 'api-key', secretRef: { name: 'orchestrator-api-key' } });
  }
});

for (const name of ['research-api-design', 'research-data-model', 'synthesize-design']) {
  test(`the example Task ${name} validates against the CRD schema and validateTask`, () => {
    const task = exampleTasks.find((t) => t.metadata.name === name) as Json;
    assert.equal(validate(task), true, JSON.stringify(validate.errors));
    // As the API server would deliver it in an event.
    const stored = { ...task, metadata: { ...task.metadata, namespace: 'default', uid: `uid-${name}` } };
    assert.deepEqual(validateTask(stored), { ok: true, task: stored });
  });
}

test('the example Secret carries the key the claude-code api-key credential reads', () => {
  const secret = parse(read('examples/05-orchestrator/secret.yaml')) as Json;
  assert.equal(secret.kind, 'Secret');
  assert.equal(secret.metadata.name, 'orchestrator-api-key');
  assert.deepEqual(Object.keys(secret.stringData), ['ANTHROPIC_API_KEY']);
});

for (const [name, input] of SCHEMA_ACCEPTS) {
  test(`the CRD schema accepts ${name}`, () => {
    assert.equal(validate(input), true, JSON.stringify(validate.errors));
  });
}

for (const [name, input, at] of SCHEMA_REFUSES) {
  test(`the CRD schema rejects ${name}`, () => {
    assert.equal(validate(input), false);
    assert.ok(
      validate.errors?.some((e) => e.instancePath === at),
      `expected an error at "${at}", got ${JSON.stringify(validate.errors)}`,
    );
  });
}

test('credentials: the structural schema leaves them optional, the CEL rule and the validator require them of every agent Task', () => {
  const spec = version.schema.openAPIV3Schema.properties.spec;
  const rules = (spec['x-kubernetes-validations'] as Array<{ rule: string }>).map((r) => r.rule);
  assert.ok(rules.includes("self.type == 'external' || has(self.credentials)"), JSON.stringify(rules));
  // As the API server stores it: the validator checks stored Tasks.
  const stored = (edit: (t: Json) => void) => schemaTask((t) => {
    t.metadata.namespace = 'default';
    t.metadata.uid = 'u-1';
    edit(t);
  });
  const withoutCredentials = stored((t) => delete t.spec.credentials);
  // ajv does not evaluate CEL: the API server does, and the validator says the same thing.
  assert.equal(validate(withoutCredentials), true);
  const refused = validateTask(withoutCredentials);
  assert.equal(refused.ok, false);
  assert.match(JSON.stringify(refused), /spec\.credentials: missing/);
  const external = stored((t) => {
    delete t.spec.credentials;
    t.spec.type = 'external';
  });
  assert.equal(validate(external), true, JSON.stringify(validate.errors));
  assert.equal(validateTask(external).ok, true, JSON.stringify(validateTask(external)));
});

test('the schema is structural: every property, item and map value has a type', () => {
  const missing: string[] = [];
  const walk = (node: Json, at: string): void => {
    if (node.type === undefined && node['x-kubernetes-int-or-string'] !== true) missing.push(at);
    for (const [key, child] of Object.entries((node.properties ?? {}) as Record<string, Json>)) walk(child, `${at}.${key}`);
    if (node.items !== undefined) walk(node.items, `${at}[]`);
    if (typeof node.additionalProperties === 'object') walk(node.additionalProperties, `${at}{}`);
  };
  walk(version.schema.openAPIV3Schema, '');
  assert.deepEqual(missing, []);
});
