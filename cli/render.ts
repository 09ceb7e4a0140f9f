/**
 * `dendrite render`: a Task's prompt as its agent would receive it, given its dependencies'
 * outputs — through the very function the engine renders with, so what it prints is what
 * `dendrite run` (and a cluster) hands the agent. Exit code: 0 rendered, 1 not.
 */
import { loadManifests, ManifestError, type ManifestDoc } from '../shared/local/manifests.js';
import type { DependencyRecord } from '../shared/store/store.js';
import type { Task } from '../shared/task/model.js';
import { validateTask } from '../shared/task/validate.js';
import type { CliContext } from './context.js';
import { DepsFileError, loadDeps } from './deps-file.js';
import { renderPrompt } from './prompt.js';

export interface RenderOptions {
  file: string;
  deps?: string;
  task?: string;
  namespace: string;
}

export function chooseTask(docs: ManifestDoc[], wanted: string | undefined, file: string): ManifestDoc {
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
  const renderer = ctx.createRenderer();
  let rendered;
  try {
    rendered = await renderPrompt(doc, task, deps, { renderer, renderLimits: ctx.renderLimits, depsFile: options.deps });
  } finally {
    await renderer.close();
  }
  if ('error' in rendered) return fail(rendered.error);
  for (const note of rendered.notes) ctx.stderr.write(`dendrite render: note: ${note}\n`);
  const prompt = rendered.prompt;
  ctx.stdout.write(prompt);
  return 0;
}
