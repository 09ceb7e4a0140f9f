/**
 * The Task CRD's own openAPIV3Schema (read from crds/task.yaml, not restated), compiled with
 * unknown fields refused as kubectl's default strict field validation does: the check
 * `dendrite validate` and task-submit make before anything reaches the API server.
 * task-submit's image uses the same schema and Ajv, compiled at build time (standalone-schema.ts).
 */
import { readFileSync } from 'node:fs';
import { Ajv, type CodeOptions, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { CRD_FORMATS } from './crd-formats.js';
import { TASK_API_VERSION } from './model.js';

export type { ValidateFunction };
export { describeSchemaError, dotted, schemaErrors, type SchemaValidator } from './schema-errors.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Structural schemas list every field; the API server prunes (or, with strict field
 * validation, refuses) any other unless x-kubernetes-preserve-unknown-fields says otherwise.
 */
function refuseUnknownFields(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(refuseUnknownFields);
  if (!isObject(schema)) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) out[key] = refuseUnknownFields(value);
  if (isObject(out.properties) && out['x-kubernetes-preserve-unknown-fields'] !== true && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

/** The schema checked for the CRD in `crdText` (`source` names it in the error): its served version's, unknown fields refused. */
export function crdSchema(crdText: string, source: string): Json {
  const crd = parse(crdText) as Json;
  const versions = ((crd.spec as Json | undefined)?.versions ?? []) as Json[];
  const version = versions.find((v) => v.name === TASK_API_VERSION.split('/')[1]);
  const schema = ((version?.schema ?? {}) as Json).openAPIV3Schema;
  if (!isObject(schema)) throw new Error(`${source}: no openAPIV3Schema for ${TASK_API_VERSION}`);
  return refuseUnknownFields(schema) as Json;
}

/** The Ajv every CRD schema is compiled with; `code` only for generating standalone code. */
export function crdAjv(code?: CodeOptions): Ajv {
  // strict: false lets the x-kubernetes-* keywords through; the formats the API server knows are checked.
  return new Ajv({ strict: false, allErrors: true, formats: CRD_FORMATS, code });
}

export function compileCrdSchema(crdText: string, source: string): ValidateFunction {
  return crdAjv().compile(crdSchema(crdText, source));
}

export function loadTaskSchema(crdFile: string): ValidateFunction {
  return compileCrdSchema(readFileSync(crdFile, 'utf8'), crdFile);
}
