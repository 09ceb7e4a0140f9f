/**
 * Everything `dendrite validate` checks before `kubectl apply`: the CRD schema, the Task rules
 * a schema cannot express (the functions' own validation), duplicate names, dependencies that
 * name no given Task, cycles, prompt template syntax, the Workspaces and AgentConfigs
 * (inputs.ts) and the Tasks' references to them, and kinds Dendrite does not act on.
 */
import type { Manifests, ManifestDoc } from '../../shared/local/manifests.js';
import { validateTask, templateDialectOf } from '../../shared/task/validate.js';
import type { Task } from '../../shared/task/model.js';
import { TemplateError } from '../../shared/template/errors.js';
import type { PromptRenderer, RenderLimits } from '../../shared/template/index.js';
import { dependencyCycles, unknownDependencies, type GraphTask } from './graph.js';
import { templatePosition } from '../template-position.js';
import { leadingPath, problemAt, type Problem } from './problem.js';
import { inputProblems, referenceProblems } from './inputs.js';
import { unknownKindProblems } from './kinds.js';
import { schemaProblems, type Schemas } from './schema.js';

export interface CheckOptions {
  schemas: Schemas;
  defaultNamespace: string;
  /** Parses templates within the limits, as task-intake does. */
  renderer: PromptRenderer;
  renderLimits: RenderLimits;
}

function namespaceOf(doc: ManifestDoc, fallback: string): string {
  const meta = doc.object.metadata as Record<string, unknown> | undefined;
  return typeof meta?.namespace === 'string' && meta.namespace ? meta.namespace : fallback;
}

function nameOf(doc: ManifestDoc): string {
  const meta = doc.object.metadata as Record<string, unknown> | undefined;
  return typeof meta?.name === 'string' ? meta.name : '';
}

/** The functions' validation, run on the manifest as the API server would store it. */
function ruleProblems(doc: ManifestDoc, namespace: string, label: string, reported: Set<string>): Problem[] {
  const meta = (doc.object.metadata ?? {}) as Record<string, unknown>;
  const stored = { ...doc.object, metadata: { ...meta, namespace, uid: 'validate' } };
  const result = validateTask(stored);
  if (result.ok) return [];
  const problems: Problem[] = [];
  for (const message of result.errors) {
    const path = leadingPath(message);
    const key = path.join('.');
    // The schema said it already (same field or an enclosing one).
    if ([...reported].some((done) => key === done || key.startsWith(`${done}.`) || (done !== '' && done.startsWith(`${key}.`)))) continue;
    problems.push(problemAt(doc, path, label, message));
  }
  return problems;
}

async function templateProblems(doc: ManifestDoc, task: Task, label: string, options: CheckOptions): Promise<Problem[]> {
  if ((task.spec.dependsOn ?? []).length === 0) return []; // like Axon: no dependencies, no template
  try {
    await options.renderer.inspect(task.spec.prompt, templateDialectOf(task), options.renderLimits);
    return [];
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    const at = templatePosition(doc, err);
    return [{ ...problemAt(doc, ['spec', 'prompt'], label, `spec.prompt: ${err.message}`), line: at.line, col: at.col }];
  }
}

export interface CheckResult {
  problems: Problem[];
  tasks: number;
  workspaces: number;
  agentConfigs: number;
  secrets: number;
}

export async function checkManifests(manifests: Manifests, options: CheckOptions): Promise<CheckResult> {
  const problems: Problem[] = [];
  const graph: GraphTask[] = [];
  const namespaces = new Set(manifests.tasks.map((doc) => namespaceOf(doc, options.defaultNamespace)));
  const seen = new Map<string, ManifestDoc>();
  const secrets = new Set(
    manifests.secrets.map((doc) => `${namespaceOf(doc, options.defaultNamespace)}/${nameOf(doc)}`),
  );

  for (const doc of manifests.tasks) {
    const namespace = namespaceOf(doc, options.defaultNamespace);
    const name = nameOf(doc);
    const label = (namespaces.size > 1 ? `${namespace}/` : '') + (name || `Task #${doc.index + 1}`);
    const schema = schemaProblems(options.schemas.Task, doc, label);
    problems.push(...schema);
    const rules = ruleProblems(doc, namespace, label, new Set(schema.map((p) => p.path)));
    problems.push(...rules);

    problems.push(...referenceProblems(doc, label, manifests, options.defaultNamespace));
    const key = `${namespace}/${name}`;
    const earlier = seen.get(key);
    if (name && earlier) {
      const { line } = earlier.positionOf(['metadata', 'name']);
      problems.push(problemAt(doc, ['metadata', 'name'], label, `metadata.name: "${name}" is also defined at ${earlier.file}:${line}; the second would replace the first`));
    } else if (name) {
      seen.set(key, doc);
    }
    if (schema.length > 0 || rules.length > 0 || earlier) {
      // Still take part in the graph checks when its dependencies can be read.
      const deps = (doc.object.spec as Record<string, unknown> | undefined)?.dependsOn;
      if (name && !earlier && Array.isArray(deps) && deps.every((d) => typeof d === 'string')) {
        graph.push({ doc, namespace, name, label, dependsOn: deps as string[] });
      }
      continue;
    }
    const task = doc.object as unknown as Task;
    graph.push({ doc, namespace, name, label, dependsOn: task.spec.dependsOn ?? [] });
    problems.push(...(await templateProblems(doc, task, label, options)));
    const secret = task.spec.credentials?.secretRef.name;
    if (secret !== undefined && !secrets.has(`${namespace}/${secret}`)) {
      problems.push(
        problemAt(
          doc,
          ['spec', 'credentials', 'secretRef', 'name'],
          label,
          `Secret "${secret}" is not among the given manifests — it must exist in namespace ${namespace} before the Task runs`,
          'warning',
        ),
      );
    }
  }
  problems.push(...unknownDependencies(graph), ...dependencyCycles(graph));
  problems.push(...inputProblems(manifests, options.schemas, options.defaultNamespace), ...unknownKindProblems(manifests.others));
  // Files in the order given, then by position.
  const fileOrder = new Map(manifests.tasks.map((doc, i) => [doc.file, i] as const).reverse());
  problems.sort((a, b) => (fileOrder.get(a.file) ?? 0) - (fileOrder.get(b.file) ?? 0) || a.line - b.line || a.col - b.col);
  return {
    problems,
    tasks: manifests.tasks.length,
    workspaces: manifests.workspaces.length,
    agentConfigs: manifests.agentConfigs.length,
    secrets: manifests.secrets.length,
  };
}
