/**
 * Checking a Task, Workspace or AgentConfig manifest as the API server would on `kubectl
 * apply`: its CRD's own openAPIV3Schema (read from crds/, not restated) with unknown fields
 * refused, as kubectl's default strict field validation does.
 */
import type { ValidateFunction } from 'ajv';
import { TASK_API_VERSION } from '../../shared/task/model.js';
import type { ManifestDoc } from '../../shared/local/manifests.js';
import { loadTaskSchema, schemaErrors } from '../../shared/task/schema.js';
import type { CrdFiles } from '../context.js';
import { problemAt, type Problem } from './problem.js';

export { dotted, loadTaskSchema } from '../../shared/task/schema.js';

/** The kinds whose manifests are checked against a CRD of this installation. */
export type CheckedKind = 'Task' | 'Workspace' | 'AgentConfig' | 'TaskSpawner';
export type Schemas = Record<CheckedKind, ValidateFunction>;

/** Each kind's CRD schema, read as the Task's is (they share the group and version). */
export function loadSchemas(files: CrdFiles): Schemas {
  return {
    Task: loadTaskSchema(files.task),
    Workspace: loadTaskSchema(files.workspace),
    AgentConfig: loadTaskSchema(files.agentConfig),
    TaskSpawner: loadTaskSchema(files.taskSpawner),
  };
}

/** Problems the API server would refuse the manifest for; empty when it would accept it. */
export function schemaProblems(validate: ValidateFunction, doc: ManifestDoc, label: string, kind: CheckedKind = 'Task'): Problem[] {
  const problems: Problem[] = [];
  // Every kind Dendrite installs is served at the Task's group and version.
  if (doc.object.apiVersion !== TASK_API_VERSION) {
    problems.push(
      problemAt(doc, ['apiVersion'], label, `apiVersion: the ${kind} CRD serves ${TASK_API_VERSION}, not ${JSON.stringify(doc.object.apiVersion)}`),
    );
  }
  for (const { path, message } of schemaErrors(validate, doc.object, kind)) problems.push(problemAt(doc, path, label, message));
  return problems;
}
