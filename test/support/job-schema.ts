/**
 * The upstream batch/v1 Job JSON Schema (Kubernetes 1.31, strict) from ../shared/schemas, read
 * in place with the options that folder's README gives; null when the folder is absent (the
 * caller says it did not check).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';

export const SCHEMAS = new URL('../../../../shared/schemas/', import.meta.url);

const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

/** Problems with a Job as the API server's schema sees it (empty: valid), or null without the schemas. */
export function jobSchemaProblems(): ((job: unknown) => string[]) | null {
  if (!existsSync(fileURLToPath(SCHEMAS))) return null;
  const ajv = new Ajv({ strict: false, allowUnionTypes: true, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(new URL('batch/job-v1.json', SCHEMAS), 'utf8')) as object);
  return (job) => (validate(JSON.parse(JSON.stringify(job))) ? [] : [ajv.errorsText(validate.errors, { separator: '; ' })]);
}
