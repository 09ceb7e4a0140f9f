/**
 * The Task validator generated at build time (scripts/task-schema.mjs, what npm run bundle puts
 * beside task-submit's bundle) against the one compiled at run time (loadTaskSchema): the same
 * verdicts and the same errors, Task by Task; and task-submit's choice between them
 * (chooseTaskSchema). The generated file is built here, into a temporary directory.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInThisContext } from 'node:vm';
import fc from 'fast-check';
import { crdDigest } from '../../shared/task/crd-digest.js';
import { chooseTaskSchema } from '../../shared/task/precompiled-schema.js';
import { loadTaskSchema } from '../../shared/task/schema.js';
import type { SchemaValidator } from '../../shared/task/schema-errors.js';
import { SCHEMA_ACCEPTS, SCHEMA_REFUSES, schemaTask } from '../support/task-schema-cases.js';

// Fixtures are free-form JSON that the cases reshape at will, hence `any`.
type Json = Record<string, any>;
type BuildTaskSchema = (options: { crdFile: string; outfile: string }) => Promise<void>;

// Compiled to dist/test/task/, so the repository root is three levels up.
const root = new URL('../../../', import.meta.url);
const CRD = fileURLToPath(new URL('crds/task.yaml', root));
const CRD_TEXT = readFileSync(CRD, 'utf8');

let dir: string;
let generatedFile: string;
let generated: SchemaValidator;
const compiled = loadTaskSchema(CRD);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dendrite-task-schema-test-'));
  generatedFile = join(dir, 'task-schema.cjs');
  const { buildTaskSchema } = (await import(new URL('scripts/task-schema.mjs', root).href)) as { buildTaskSchema: BuildTaskSchema };
  await buildTaskSchema({ crdFile: CRD, outfile: generatedFile });
  const choice = await chooseTaskSchema(CRD, generatedFile);
  assert.equal(choice.origin, 'precompiled', JSON.stringify(choice));
  generated = choice.validate;
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Both validators on `input`: the same verdict and the same errors, in the same order. */
function assertSameVerdict(input: unknown): boolean {
  const verdict = compiled(input);
  assert.equal(generated(input), verdict, JSON.stringify(input));
  assert.deepEqual(generated.errors, compiled.errors, JSON.stringify(input));
  return verdict;
}

/** Beyond the CRD test's cases: unknown fields (refused as strict field validation does), the formats, several errors at once. */
const MORE_REFUSED: Array<[string, unknown]> = [
  ['null', null],
  ['a list', [schemaTask()]],
  ['a string', 'Task'],
  ['an unknown top-level field', schemaTask((t) => (t.extra = 1))],
  ['an unknown spec field', schemaTask((t) => (t.spec.futureField = { x: 1 }))],
  ['an unknown field in a secretRef', schemaTask((t) => (t.spec.credentials.secretRef.key = 'k'))],
  ['an activeDeadlineSeconds beyond int64 precision', schemaTask((t) => (t.spec.podOverrides = { activeDeadlineSeconds: 2 ** 53 }))],
  ['a completionTime that is no date', schemaTask((t) => (t.status = { completionTime: '2026-13-45' }))],
  ['a negative usage', schemaTask((t) => (t.status = { usage: { inputTokens: -1, costUSD: -0.5 } }))],
  ['a spec wrong in every field', schemaTask((t) => (t.spec = { type: 'x', prompt: '', credentials: { type: 1, secretRef: {} }, dependsOn: [1, 2], extra: true }))],
  ['more dependencies than the CRD allows', schemaTask((t) => (t.spec.dependsOn = Array.from({ length: 10_001 }, (_, i) => `t${i}`)))],
];
const MORE_ACCEPTED: Array<[string, unknown]> = [
  ['a date-time with an offset', schemaTask((t) => (t.status = { startTime: '2026-01-01T00:00:00+02:00' }))],
  ['the largest int32 ttl', schemaTask((t) => (t.spec.ttlSecondsAfterFinished = 2 ** 31 - 1))],
  ['the largest safe activeDeadlineSeconds', schemaTask((t) => (t.spec.podOverrides = { activeDeadlineSeconds: Number.MAX_SAFE_INTEGER }))],
  ['anything under the preserved resources', schemaTask((t) => (t.spec.podOverrides = { resources: { any: { thing: [1] } } }))],
];

for (const [name, input] of [...SCHEMA_ACCEPTS, ...MORE_ACCEPTED]) {
  test(`the generated validator accepts ${name}, as the compiled one does`, () => {
    assert.equal(assertSameVerdict(input), true, JSON.stringify(compiled.errors));
  });
}

for (const [name, input, at] of SCHEMA_REFUSES) {
  test(`the generated validator refuses ${name} with the compiled one's errors`, () => {
    assert.equal(assertSameVerdict(input), false);
    assert.ok(generated.errors?.some((e) => e.instancePath === at), JSON.stringify(generated.errors));
  });
}

for (const [name, input] of MORE_REFUSED) {
  test(`the generated validator refuses ${name} with the compiled one's errors`, () => {
    assert.equal(assertSameVerdict(input), false);
  });
}

test('the generated validator reports every error, as the compiled one does (allErrors)', () => {
  const input = MORE_REFUSED.find(([name]) => name === 'a spec wrong in every field')![1];
  assertSameVerdict(input);
  assert.deepEqual(
    generated.errors?.map((e) => `${e.keyword} ${e.instancePath}`),
    [
      'additionalProperties /spec',
      'enum /spec/type',
      'minLength /spec/prompt',
      'type /spec/credentials/type',
      'enum /spec/credentials/type',
      'required /spec/credentials/secretRef',
      'type /spec/dependsOn/0',
      'type /spec/dependsOn/1',
    ],
  );
});

/** Where the property below writes into a valid Task; missing objects on the way are created. */
const PATHS: Array<Array<string | number>> = [
  [],
  ['apiVersion'],
  ['metadata'],
  ['spec'],
  ['spec', 'type'],
  ['spec', 'prompt'],
  ['spec', 'credentials'],
  ['spec', 'credentials', 'type'],
  ['spec', 'credentials', 'secretRef', 'name'],
  ['spec', 'dependsOn'],
  ['spec', 'dependsOn', 1],
  ['spec', 'ttlSecondsAfterFinished'],
  ['spec', 'workspaceRef'],
  ['spec', 'podOverrides', 'activeDeadlineSeconds'],
  ['spec', 'podOverrides', 'env', 0],
  ['spec', 'podOverrides', 'env', 0, 'valueFrom'],
  ['spec', 'podOverrides', 'nodeSelector', 'pool'],
  ['spec', 'unknown'],
  ['status', 'phase'],
  ['status', 'startTime'],
  ['status', 'results', 'a'],
  ['status', 'outputs', 0],
  ['status', 'usage', 'costUSD'],
  ['unknown'],
];

/** Values that reach the schema's keywords and formats, besides any JSON. */
const VALUES = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom('codex', 'external', 'oauth', 'Running', '', '2026-01-01T00:00:00Z', 'yesterday', 0, -1, 1.5, 2 ** 31, 2 ** 53, { name: 'n' }, [], {}),
);

function withValueAt(base: unknown, path: ReadonlyArray<string | number>, value: unknown): unknown {
  if (path.length === 0) return value;
  // An earlier edit may have replaced the whole Task with a value that holds no fields.
  const task: any = typeof base === 'object' && base !== null ? structuredClone(base) : {};
  let node: any = task;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = typeof key === 'number' ? [] : {};
    node = node[key];
  }
  node[path.at(-1)!] = value;
  return task;
}

test('the generated validator and the compiled one agree on Tasks changed at random', () => {
  const bases = SCHEMA_ACCEPTS.map(([, task]) => task);
  const edits = fc.array(fc.tuple(fc.constantFrom(...PATHS), VALUES), { minLength: 1, maxLength: 4 });
  fc.assert(
    fc.property(fc.constantFrom(...bases), edits, (base, changes) => {
      let input: unknown = base;
      for (const [path, value] of changes) input = withValueAt(input, path, value);
      assertSameVerdict(input);
    }),
    { numRuns: 500 },
  );
});

test('the generated file loads no package: ajv\'s helpers and the formats are in it', () => {
  const module = { exports: {} as Json };
  const refuse = (id: string): never => {
    throw new Error(`the generated validator requires ${id}`);
  };
  const wrapper = runInThisContext(`(function (module, exports, require) {${readFileSync(generatedFile, 'utf8')}\n})`, { filename: generatedFile });
  wrapper(module, module.exports, refuse);
  const validate = module.exports.validate as SchemaValidator;
  assert.equal(module.exports.crdSha256, crdDigest(CRD_TEXT));
  assert.equal(validate(schemaTask()), true);
  // The formats (int32 here) come from crd-formats.ts, inlined.
  assert.equal(validate(schemaTask((t) => (t.spec.ttlSecondsAfterFinished = 2 ** 31))), false);
  assert.deepEqual(validate.errors?.map((e) => e.keyword), ['format']);
});

test('chooseTaskSchema compiles a CRD whose text changed, even by a comment, and says why', async () => {
  const changed = join(dir, 'task-commented.yaml');
  writeFileSync(changed, `# edited after the build\n${CRD_TEXT}`);
  const choice = await chooseTaskSchema(changed, generatedFile);
  assert.equal(choice.origin, 'compiled');
  assert.equal(choice.origin === 'compiled' && choice.reason, `${changed} is not the CRD text the validator was generated from`);
  assert.notEqual(choice.validate, generated);
});

test('chooseTaskSchema checks against the changed CRD, not the one the validator was generated from', async () => {
  const changed = join(dir, 'task-cursor.yaml');
  const text = CRD_TEXT.replace('enum: [claude-code, codex, gemini, opencode, external]', 'enum: [claude-code, codex, gemini, opencode, external, cursor]');
  assert.notEqual(text, CRD_TEXT, 'the edit applies to crds/task.yaml');
  writeFileSync(changed, text);
  const choice = await chooseTaskSchema(changed, generatedFile);
  const cursor = schemaTask((t) => (t.spec.type = 'cursor'));
  assert.equal(choice.origin, 'compiled');
  assert.equal(choice.validate(cursor), true, JSON.stringify(choice.validate.errors));
  assert.equal(generated(cursor), false);
});

test('chooseTaskSchema compiles at start when no validator was generated (the tsc output)', async () => {
  const missing = join(dir, 'absent', 'task-schema.cjs');
  const choice = await chooseTaskSchema(CRD, missing);
  assert.deepEqual(
    { origin: choice.origin, reason: choice.origin === 'compiled' ? choice.reason : undefined },
    { origin: 'compiled', reason: `no validator generated at build time (${missing})` },
  );
  assert.equal(choice.validate(schemaTask()), true);
  assert.equal(choice.validate(schemaTask((t) => (t.extra = 1))), false);
});

test('chooseTaskSchema compiles at start when the file beside the script is not a generated validator', async () => {
  const other = join(dir, 'other.cjs');
  writeFileSync(other, 'module.exports = { validate: () => true };\n');
  const choice = await chooseTaskSchema(CRD, other);
  assert.equal(choice.origin, 'compiled');
  assert.equal(choice.origin === 'compiled' && choice.reason, `${other} does not export validate and crdSha256`);
  assert.equal(choice.validate(null), false);
});
