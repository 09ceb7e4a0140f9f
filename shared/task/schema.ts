/**
 * The Task CRD's own openAPIV3Schema (read from crds/task.yaml, not restated), compiled with
 * unknown fields refused as kubectl's default strict field validation does: the check
 * `dendrite validate` and task-submit make before anything reaches the API server.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { TASK_API_VERSION } from './model.js';

export type { ValidateFunction };

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

export function loadTaskSchema(crdFile: string): ValidateFunction {
  const crd = parse(readFileSync(crdFile, 'utf8')) as Json;
  const versions = ((crd.spec as Json | undefined)?.versions ?? []) as Json[];
  const version = versions.find((v) => v.name === TASK_API_VERSION.split('/')[1]);
  const schema = ((version?.schema ?? {}) as Json).openAPIV3Schema;
  if (!isObject(schema)) throw new Error(`${crdFile}: no openAPIV3Schema for ${TASK_API_VERSION}`);
  // strict: false lets the x-kubernetes-* keywords through; the formats the API server knows are checked.
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
  return ajv.compile(refuseUnknownFields(schema) as Json);
}

function pathOf(instancePath: string): string[] {
  return instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function dotted(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' || /^\d+$/.test(String(part)) ? `${text}[${part}]` : text ? `${text}.${part}` : String(part)), '');
}

/** `kind` names the object in a message about the whole of it (`the Task: …`). */
export function describeSchemaError(error: ErrorObject, kind = 'Task'): { path: (string | number)[]; message: string } {
  const path: (string | number)[] = pathOf(error.instancePath).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path, message: `${dotted(path) || `the ${kind}`}: missing required field "${String(params.missingProperty)}"` };
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      return { path: [...path, field], message: `${dotted([...path, field])}: unknown field (check its spelling and indentation)` };
    }
    case 'enum':
      return { path, message: `${dotted(path)}: must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    default:
      return { path, message: `${dotted(path) || `the ${kind}`}: ${error.message ?? 'is invalid'}` };
  }
}

/** What the schema says is wrong with `object` (empty when it would be accepted), each at its field. */
export function schemaErrors(validate: ValidateFunction, object: unknown, kind = 'Task'): Array<{ path: (string | number)[]; message: string }> {
  return validate(object) ? [] : (validate.errors ?? []).map((error) => describeSchemaError(error, kind));
}
