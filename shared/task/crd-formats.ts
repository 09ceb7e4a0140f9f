/**
 * The formats the API server checks in a CRD's openAPIV3Schema, which ajv does not know by
 * itself. One module for both validators: the Ajv that compiles at run time takes them as an
 * option, and the validator generated at build time (standalone-schema.ts) reaches them through
 * a require of this module, since generated code cannot carry functions.
 */
import type { Format } from 'ajv';

export const CRD_FORMATS: Record<string, Format> = {
  int32: { type: 'number', validate: (n: number) => n >= -(2 ** 31) && n < 2 ** 31 },
  int64: { type: 'number', validate: (n: number) => Number.isSafeInteger(n) },
  'date-time': (s: string) => !Number.isNaN(Date.parse(s)),
};
