/**
 * What `dendrite validate` (and `dendrite run`) checks in TaskSpawner manifests: the CRD's
 * schema, what its CEL rules say (exactly one `when`; githubIssues needs a workspaceRef), the
 * cron schedule, a cloudEvent type the spawner may take, the prompt template's syntax and
 * limits, and that the Workspace and AgentConfig it names are given.
 */
import type { ManifestDoc, Manifests } from '../../shared/local/manifests.js';
import { reservedType } from '../../shared/spawner/cloud-event.js';
import { CronScheduleError, parseSchedule } from '../../shared/spawner/cron.js';
import { DEFAULT_PROMPT_TEMPLATE } from '../../shared/spawner/item.js';
import { TemplateError } from '../../shared/template/errors.js';
import type { PromptRenderer, RenderLimits } from '../../shared/template/index.js';
import { duplicateProblems, nameOf, referenceProblems } from './inputs.js';
import { templatePosition } from '../template-position.js';
import { problemAt, type Problem } from './problem.js';
import { schemaProblems, type Schemas } from './schema.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const labelOf = (doc: ManifestDoc) => `TaskSpawner ${nameOf(doc) || `#${doc.index + 1}`}`;

/** What kubectl apply would refuse: the schema and the CRD's CEL rules. */
export function spawnerSchemaProblems(doc: ManifestDoc, schemas: Schemas): Problem[] {
  const label = labelOf(doc);
  const problems = schemaProblems(schemas.TaskSpawner, doc, label, 'TaskSpawner');
  const spec = isObject(doc.object.spec) ? doc.object.spec : {};
  const when = isObject(spec.when) ? spec.when : undefined;
  const template = isObject(spec.taskTemplate) ? spec.taskTemplate : {};
  if (when) {
    const given = ['githubIssues', 'cron', 'cloudEvent'].filter((k) => when[k] !== undefined);
    if (given.length !== 1) {
      problems.push(problemAt(doc, ['spec', 'when'], label, `spec.when: exactly one of githubIssues, cron, cloudEvent must be set (found ${given.length === 0 ? 'none' : given.join(', ')})`));
    }
    if (when.githubIssues !== undefined && !isObject(template.workspaceRef)) {
      problems.push(problemAt(doc, ['spec', 'taskTemplate'], label, 'spec.taskTemplate.workspaceRef: required when using githubIssues source (its repository is the one whose issues are read)'));
    }
  }
  return problems;
}

async function templateProblem(doc: ManifestDoc, renderer: PromptRenderer, limits: RenderLimits): Promise<Problem | undefined> {
  const template = isObject(doc.object.spec) && isObject(doc.object.spec.taskTemplate) ? doc.object.spec.taskTemplate.promptTemplate : undefined;
  try {
    await renderer.inspect(typeof template === 'string' && template !== '' ? template : DEFAULT_PROMPT_TEMPLATE, 'go', limits);
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    const path = ['spec', 'taskTemplate', 'promptTemplate'];
    const at = templatePosition(doc, err, path);
    return { ...problemAt(doc, path, labelOf(doc), `spec.taskTemplate.promptTemplate: ${err.message}`), line: at.line, col: at.col };
  }
  return undefined;
}

function whenProblems(doc: ManifestDoc): Problem[] {
  const when = isObject(doc.object.spec) && isObject(doc.object.spec.when) ? doc.object.spec.when : {};
  const problems: Problem[] = [];
  const schedule = isObject(when.cron) ? when.cron.schedule : undefined;
  if (typeof schedule === 'string') {
    try {
      parseSchedule(schedule);
    } catch (err) {
      if (!(err instanceof CronScheduleError)) throw err;
      problems.push(problemAt(doc, ['spec', 'when', 'cron', 'schedule'], labelOf(doc), `spec.when.cron.schedule: ${err.message}`));
    }
  }
  const type = isObject(when.cloudEvent) ? when.cloudEvent.type : undefined;
  if (typeof type === 'string' && reservedType(type)) {
    problems.push(
      problemAt(doc, ['spec', 'when', 'cloudEvent', 'type'], labelOf(doc), `spec.when.cloudEvent.type: ${type} is one of Dendrite's own event types (or a GitHub delivery, which githubIssues takes); a spawner cannot take it`),
    );
  }
  return problems;
}

const TEMPLATE_REFERENCES = { path: ['spec', 'taskTemplate'], consequence: 'every Task it spawns would stay Waiting until one is created' };

export interface SpawnerCheckOptions {
  schemas: Schemas;
  defaultNamespace: string;
  renderer: PromptRenderer;
  renderLimits: RenderLimits;
}

export async function spawnerProblems(manifests: Manifests, options: SpawnerCheckOptions): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const doc of manifests.taskSpawners) {
    const schema = spawnerSchemaProblems(doc, options.schemas);
    problems.push(...schema);
    const reported = new Set(schema.map((p) => p.path));
    problems.push(...whenProblems(doc).filter((p) => !reported.has(p.path)));
    const template = await templateProblem(doc, options.renderer, options.renderLimits);
    if (template) problems.push(template);
    problems.push(...referenceProblems(doc, labelOf(doc), manifests, options.defaultNamespace, TEMPLATE_REFERENCES));
  }
  problems.push(...duplicateProblems(manifests.taskSpawners, options.defaultNamespace));
  return problems;
}
