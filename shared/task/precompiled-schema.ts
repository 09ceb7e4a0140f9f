/**
 * task-submit's Task schema: the validator generated at build time (scripts/task-schema.mjs)
 * when it is there and was generated from the very CRD text read now; else compiled at start,
 * as `dendrite validate` does (the tsc output, which local mode and the tests run, has none).
 * The generated one keeps ajv and yaml off the start path: compiling blocked the event loop
 * right after the server listened, and ajv's generated code is outside the V8 code cache.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { crdDigest } from './crd-digest.js';
import type { SchemaValidator } from './schema-errors.js';

export type TaskSchemaChoice =
  | { validate: SchemaValidator; origin: 'precompiled' }
  | { validate: SchemaValidator; origin: 'compiled'; reason: string };

/** What scripts/task-schema.mjs writes: the validator and the digest of the CRD text it came from. */
interface GeneratedSchema {
  validate: SchemaValidator;
  crdSha256: string;
}

function isGenerated(value: unknown): value is GeneratedSchema {
  const v = value as Partial<GeneratedSchema> | null;
  return typeof v === 'object' && v !== null && typeof v.validate === 'function' && typeof v.crdSha256 === 'string';
}

/** Why the generated validator in `file` cannot check against `crdText`, or the validator. */
function generatedFor(file: string, crdFile: string, crdText: string): GeneratedSchema | string {
  if (!existsSync(file)) return `no validator generated at build time (${file})`;
  // A file that does not load is a broken build: its error ends the start, as it should.
  const loaded: unknown = createRequire(file)(file);
  if (!isGenerated(loaded)) return `${file} does not export validate and crdSha256`;
  if (loaded.crdSha256 !== crdDigest(crdText)) return `${crdFile} is not the CRD text the validator was generated from`;
  return loaded;
}

export async function chooseTaskSchema(crdFile: string, generatedFile: string): Promise<TaskSchemaChoice> {
  const crdText = readFileSync(crdFile, 'utf8');
  const generated = generatedFor(generatedFile, crdFile, crdText);
  if (typeof generated !== 'string') return { validate: generated.validate, origin: 'precompiled' };
  // Loaded only now: ajv and yaml are a good part of the start's time and memory.
  const { compileCrdSchema } = await import('./schema.js');
  return { validate: compileCrdSchema(crdText, crdFile), origin: 'compiled', reason: generated };
}
