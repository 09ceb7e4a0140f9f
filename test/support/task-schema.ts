/** The repository's own Task CRD schema, compiled once for every test that checks Tasks with it. */
import { fileURLToPath } from 'node:url';
import { loadTaskSchema, type ValidateFunction } from '../../shared/task/schema.js';

let compiled: ValidateFunction | undefined;

export function taskSchema(): ValidateFunction {
  return (compiled ??= loadTaskSchema(fileURLToPath(new URL('../../../crds/task.yaml', import.meta.url))));
}
