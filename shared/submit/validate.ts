/**
 * A submission is checked whole before anything is created, with the rules `dendrite validate`
 * applies to manifests: the CRD's schema, the Task rules, names unique within it, every
 * dependency either in it or already in the namespace, no cycle within it, templates that parse.
 * Every problem is reported, each naming the item.
 */
import type { Cluster } from '../cluster/cluster.js';
import { TASK_API_VERSION, TASK_KIND, type Task } from '../task/model.js';
import { schemaErrors, type SchemaValidator } from '../task/schema-errors.js';
import { templateDialectOf, validateTask } from '../task/validate.js';
import { TemplateError } from '../template/errors.js';
import type { RenderLimits } from '../template/limits.js';
import type { PromptRenderer } from '../template/renderer.js';

export interface SubmissionChecks {
  schema: SchemaValidator;
  renderer: PromptRenderer;
  renderLimits: RenderLimits;
  cluster: Pick<Cluster, 'getTask'>;
}

export interface CheckedItem {
  /** Its place in the submission. */
  index: number;
  /** As it will be created: apiVersion and kind filled in, namespace the submission's. */
  manifest: { apiVersion: string; kind: string; metadata: Record<string, unknown> & { name: string; namespace: string }; spec: Record<string, unknown> };
  task: Task;
}

export type CheckedSubmission = { ok: true; items: CheckedItem[] } | { ok: false; problems: string[] };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function labelOf(index: number, item: unknown): string {
  const name = isObject(item) && isObject(item.metadata) && typeof item.metadata.name === 'string' ? ` (${item.metadata.name})` : '';
  return `items[${index}]${name}`;
}

/** The item as the API server would store it, or the reason it cannot be one. */
function manifestOf(item: unknown, namespace: string): CheckedItem['manifest'] | string {
  if (!isObject(item)) return 'must be a Task object';
  const metadata = isObject(item.metadata) ? { ...item.metadata } : {};
  if (metadata.namespace !== undefined && metadata.namespace !== namespace) {
    return `metadata.namespace: ${JSON.stringify(metadata.namespace)} is not the submission's namespace ${JSON.stringify(namespace)}`;
  }
  for (const field of ['uid', 'resourceVersion', 'creationTimestamp'] as const) delete metadata[field];
  const { status: _status, ...rest } = item;
  return { ...rest, apiVersion: String(item.apiVersion ?? TASK_API_VERSION), kind: String(item.kind ?? TASK_KIND), metadata: { ...metadata, name: String(metadata.name ?? ''), namespace }, spec: isObject(item.spec) ? item.spec : {} } as CheckedItem['manifest'];
}

/** Each cycle among the submitted Tasks, as `a → b → a`. */
function cycles(items: readonly CheckedItem[]): string[] {
  const byName = new Map(items.map((i) => [i.task.metadata.name, i.task]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const found: string[] = [];
  const visit = (name: string): void => {
    state.set(name, 'open');
    stack.push(name);
    for (const dep of byName.get(name)!.spec.dependsOn ?? []) {
      if (!byName.has(dep) || dep === name) continue;
      if (state.get(dep) === 'open') found.push([...stack.slice(stack.indexOf(dep)), dep].join(' → '));
      else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of byName.keys()) if (!state.has(name)) visit(name);
  return found;
}

export async function checkSubmission(items: readonly unknown[], namespace: string, checks: SubmissionChecks): Promise<CheckedSubmission> {
  const problems: string[] = [];
  const checked: CheckedItem[] = [];
  const names = new Map<string, number>();
  for (const [index, item] of items.entries()) {
    const label = labelOf(index, item);
    const manifest = manifestOf(item, namespace);
    if (typeof manifest === 'string') {
      problems.push(`${label}: ${manifest}`);
      continue;
    }
    if (manifest.apiVersion !== TASK_API_VERSION || manifest.kind !== TASK_KIND) {
      problems.push(`${label}: only ${TASK_API_VERSION} ${TASK_KIND} objects can be submitted, not ${manifest.apiVersion} ${manifest.kind}`);
      continue;
    }
    const schema = schemaErrors(checks.schema, manifest).map((e) => `${label}: ${e.message}`);
    const rules = validateTask({ ...manifest, metadata: { ...manifest.metadata, uid: 'submitted' } });
    if (schema.length > 0 || !rules.ok) {
      problems.push(...schema, ...(rules.ok ? [] : rules.errors.map((e) => `${label}: ${e}`)));
      continue;
    }
    const name = manifest.metadata.name;
    const earlier = names.get(name);
    if (earlier !== undefined) {
      problems.push(`${label}: metadata.name: "${name}" is also items[${earlier}]`);
      continue;
    }
    names.set(name, index);
    checked.push({ index, manifest, task: rules.task });
  }
  for (const item of checked) {
    const { task } = item;
    const label = labelOf(item.index, item.manifest);
    for (const dep of task.spec.dependsOn ?? []) {
      if (names.has(dep) || (await checks.cluster.getTask(namespace, dep))) continue;
      problems.push(`${label}: spec.dependsOn: "${dep}" is neither in this submission nor a Task in namespace ${namespace}`);
    }
    if ((task.spec.dependsOn ?? []).length === 0) continue;
    try {
      await checks.renderer.inspect(task.spec.prompt, templateDialectOf(task), checks.renderLimits);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      problems.push(`${label}: spec.prompt: ${err.message}`);
    }
  }
  for (const cycle of cycles(checked)) problems.push(`dependency cycle among the submitted Tasks: ${cycle} — none of these could ever start`);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, items: checked };
}
