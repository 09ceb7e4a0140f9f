/**
 * Checking a Task manifest as the API server would on `kubectl apply`: the CRD's own
 * openAPIV3Schema (read from crds/task.yaml, not restated) with unknown fields refused, as
 * kubectl's default strict field validation does.
 */
import type { ValidateFunction } from 'ajv';
import { TASK_API_VERSION } from '../../shared/task/model.js';
import type { ManifestDoc } from '../../shared/local/manifests.js';
import { schemaErrors } from '../../shared/task/schema.js';
import { problemAt, type Problem } from './problem.js';

export { dotted, loadTaskSchema } from '../../shared/task/schema.js';

/** Problems the API server would refuse the Task for; empty when it would accept it. */
export function schemaProblems(validate: ValidateFunction, doc: ManifestDoc, label: string): Problem[] {
  const problems: Problem[] = [];
  if (doc.object.apiVersion !== TASK_API_VERSION) {
    problems.push(
      problemAt(doc, ['apiVersion'], label, `apiVersion: the Task CRD serves ${TASK_API_VERSION}, not ${JSON.stringify(doc.object.apiVersion)}`),
    );
  }
  for (const { path, message } of schemaErrors(validate, doc.object)) problems.push(problemAt(doc, path, label, message));
  return problems;
}
