/**
 * `dendrite render`: a Task's prompt as its agent would receive it, given its dependencies'
 * outputs — through the very function the engine renders with, so what it prints is what
 * `dendrite run` (and a cluster) hands the agent. Exit code: 0 rendered, 1 not.
 */
import { MAX_SINGLE_ARGUMENT_BYTES } from '../shared/flow/deps.js';
import { renderReadyPrompt } from '../shared/flow/render.js';
import { PermanentError } from '../shared/errors.js';
import { loadManifests, ManifestError, type ManifestDoc } from '../shared/local/manifests.js';
import type { DependencyRecord } from '../shared/store/store.js';
import type { Task } from '../shared/task/model.js';
import { templateDialectOf, validateTask } from '../shared/task/validate.js';
import { TemplateError } from '../shared/template/errors.js';
import type { CliContext } from './context.js';
import { DepsFileError, loadDeps } from './deps-file.js';
import { templatePosition } from './template-position.js';

export interface RenderOptions {
  file: string;
  deps?: string;
  task?: string;
  namespace: string;
}

function chooseTask(docs: ManifestDoc[], wanted: string | undefined, file: string): ManifestDoc {
  const nameOf = (doc: ManifestDoc) => String((doc.object.metadata as Record<string, unknown> | undefined)?.name ?? '');
  if (wanted !== undefined) {
    const found = docs.find((doc) => nameOf(doc) === wanted);
    if (!found) throw new ManifestError(`${file}: no Task named "${wanted}" (it has: ${docs.map(nameOf).join(', ')})`);
    return found;
  }
  if (docs.length === 1) return docs[0] as ManifestDoc;
  throw new ManifestError(`${file} holds ${docs.length} Tasks (${docs.map(nameOf).join(', ')}): choose one with --task <name>`);
}

export async function renderCommand(options: RenderOptions, ctx: CliContext): Promise<number> {
  const fail = (message: string) => {
    ctx.stderr.write(`dendrite render: ${message}\n`);
    return 1;
  };
  let doc: ManifestDoc;
  let deps: Map<string, DependencyRecord>;
  try {
    const manifests = loadManifests([options.file]);
    if (manifests.tasks.length === 0) return fail(`${options.file}: no Task manifest (apiVersion: axon.io/v1alpha1, kind: Task)`);
    doc = chooseTask(manifests.tasks, options.task, options.file);
    deps = options.deps ? loadDeps(options.deps) : new Map();
  } catch (err) {
    if (err instanceof ManifestError || err instanceof DepsFileError) return fail(err.message);
    throw err;
  }

  const meta = (doc.object.metadata ?? {}) as Record<string, unknown>;
  const validation = validateTask({ ...doc.object, metadata: { namespace: options.namespace, ...meta, uid: 'render' } });
  if (!validation.ok) return fail(`${options.file}: the Task is invalid:\n  ${validation.errors.join('\n  ')}`);
  const task: Task = validation.task;
  const dependsOn = task.spec.dependsOn ?? [];
  const missing = dependsOn.filter((name) => !deps.has(name));
  if (missing.length > 0) {
    const where = options.deps ? `${options.deps} gives nothing for` : 'pass --deps <file> with the outputs of';
    return fail(`${where} ${missing.map((m) => `"${m}"`).join(', ')}, which ${task.metadata.name} depends on`);
  }
  for (const extra of [...deps.keys()].filter((name) => !dependsOn.includes(name))) {
    ctx.stderr.write(`dendrite render: note: ${options.deps} also gives "${extra}", which ${task.metadata.name} does not depend on; its prompt cannot see it\n`);
  }

  let prompt: string;
  const renderer = ctx.createRenderer();
  try {
    prompt = await renderReadyPrompt(
      renderer,
      {
        name: task.metadata.name,
        uid: task.metadata.uid,
        template: task.spec.prompt,
        dialect: templateDialectOf(task),
        deps: dependsOn.map((name) => deps.get(name) as DependencyRecord),
      },
      { renderLimits: ctx.renderLimits, maxPromptBytes: MAX_SINGLE_ARGUMENT_BYTES },
    );
  } catch (err) {
    if (err instanceof TemplateError) {
      const at = templatePosition(doc, err);
      return fail(`${at.file}:${at.line}:${at.col}: ${task.metadata.name}: prompt template: ${err.message}`);
    }
    if (err instanceof PermanentError) return fail(`${task.metadata.name}: ${err.message}`);
    throw err;
  } finally {
    await renderer.close();
  }
  ctx.stdout.write(prompt);
  return 0;
}
