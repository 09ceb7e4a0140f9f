/**
 * Build time only (scripts/task-schema.mjs): the CRD's schema compiled by the same Ajv as at
 * run time (schema.ts), written out as ajv's standalone code, so that task-submit's image
 * neither compiles it at start nor loads ajv. The code still requires ajv's small runtime
 * helpers and crd-formats.ts; the build bundles them into the file.
 */
import { _ } from 'ajv';
// A CommonJS module: its default import is module.exports, whose `default` is the function.
import standalone from 'ajv/dist/standalone/index.js';
import { crdDigest } from './crd-digest.js';
import { crdAjv, crdSchema } from './schema.js';

/**
 * An ES module exporting `validate` and `crdSha256` (the digest of `crdText`, which the loader
 * compares with the CRD it reads). Its requires are relative to this module's directory.
 */
export function standaloneSchemaModule(crdText: string, source: string): string {
  const ajv = crdAjv({ source: true, esm: true, formats: _`require(${'./crd-formats.js'}).CRD_FORMATS` });
  const validate = ajv.compile(crdSchema(crdText, source));
  return `${standalone.default(ajv, validate)}\nexport const crdSha256 = ${JSON.stringify(crdDigest(crdText))};\n`;
}
