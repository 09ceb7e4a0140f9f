/**
 * A Task's prompt as its agent would receive it, given its dependencies' outputs, through the
 * very function the engine renders with (as task-intake does: without dependencies the prompt
 * is passed through untouched). Shared by `dendrite render` and `dendrite job`.
 */
import { MAX_SINGLE_ARGUMENT_BYTES } from '../shared/flow/deps.js';
import { renderReadyPrompt } from '../shared/flow/render.js';
import { PermanentError } from '../shared/errors.js';
import type { ManifestDoc } from '../shared/local/manifests.js';
import type { DependencyRecord } from '../shared/store/store.js';
import type { Task } from '../shared/task/model.js';
import { templateDialectOf } from '../shared/task/validate.js';
import { TemplateError } from '../shared/template/errors.js';
import type { PromptRenderer, RenderLimits } from '../shared/template/index.js';
import { templatePosition } from './template-position.js';

export type RenderedPrompt = { prompt: string; notes: string[] } | { error: string };

export interface PromptOptions {
  renderer: PromptRenderer;
  renderLimits: RenderLimits;
  /** The --deps file, for messages. */
  depsFile?: string;
}

export async function renderPrompt(doc: ManifestDoc, task: Task, deps: ReadonlyMap<string, DependencyRecord>, options: PromptOptions): Promise<RenderedPrompt> {
  const dependsOn = task.spec.dependsOn ?? [];
  const missing = dependsOn.filter((name) => !deps.has(name));
  if (missing.length > 0) {
    const where = options.depsFile ? `${options.depsFile} gives nothing for` : 'pass --deps <file> with the outputs of';
    return { error: `${where} ${missing.map((m) => `"${m}"`).join(', ')}, which ${task.metadata.name} depends on` };
  }
  const notes = [...deps.keys()]
    .filter((name) => !dependsOn.includes(name))
    .map((extra) => `${options.depsFile} also gives "${extra}", which ${task.metadata.name} does not depend on; its prompt cannot see it`);
  try {
    const prompt = await renderReadyPrompt(
      options.renderer,
      {
        name: task.metadata.name,
        uid: task.metadata.uid,
        template: task.spec.prompt,
        dialect: templateDialectOf(task),
        deps: dependsOn.map((name) => deps.get(name) as DependencyRecord),
      },
      { renderLimits: options.renderLimits, maxPromptBytes: MAX_SINGLE_ARGUMENT_BYTES },
    );
    return { prompt, notes };
  } catch (err) {
    if (err instanceof TemplateError) {
      const at = templatePosition(doc, err);
      return { error: `${at.file}:${at.line}:${at.col}: ${task.metadata.name}: prompt template: ${err.message}` };
    }
    if (err instanceof PermanentError) return { error: `${task.metadata.name}: ${err.message}` };
    throw err;
  }
}
