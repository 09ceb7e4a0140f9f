/** Rendering a ready Task's prompt from its dependencies' recorded outputs. */
import { PermanentError } from '../errors.js';
import type { ReadyTask } from '../store/store.js';
import type { DependencyData } from '../task/model.js';
import { TemplateError } from '../template/errors.js';
import type { PromptRenderer, TemplateData } from '../template/renderer.js';
import type { FlowConfig } from './deps.js';

/** The rendered prompt does not fit where it must go (one program argument). */
export class PromptTooLargeError extends PermanentError {}

export function templateData(task: ReadyTask): TemplateData {
  const Deps: Record<string, DependencyData> = {};
  for (const dep of task.deps) Deps[dep.name] = { Outputs: dep.outputs, Results: dep.results, Name: dep.name };
  return { Deps };
}

/**
 * Like Axon, a prompt is a template only when the Task has dependencies; without them it is
 * passed through untouched, so plain prompts may contain `{{` freely.
 * Rejects with TemplateError or PromptTooLargeError.
 */
export async function renderReadyPrompt(
  renderer: PromptRenderer,
  task: ReadyTask,
  config: Pick<FlowConfig, 'renderLimits' | 'maxPromptBytes'>,
): Promise<string> {
  const prompt =
    task.deps.length === 0 ? task.template : await renderer.render(task.template, task.dialect, templateData(task), config.renderLimits);
  const bytes = Buffer.byteLength(prompt, 'utf8');
  if (bytes > config.maxPromptBytes) {
    throw new PromptTooLargeError(
      `rendered prompt is ${bytes} bytes, more than the ${config.maxPromptBytes} bytes an agent can receive as one ` +
        'program argument — shorten the prompt or the dependency outputs it includes',
    );
  }
  return prompt;
}

/**
 * The Task's Failed message for a template error: where (line:column, 1-based, when known —
 * Go's own parse messages name only the line) and Go's reason.
 */
export function templateFailureMessage(err: TemplateError): string {
  if (err.line === undefined) return `prompt template: ${err.message}`;
  const at = err.column === undefined ? `line ${err.line}` : `line ${err.line}, column ${err.column + 1}`;
  return `prompt template (${at}): ${err.message}`;
}
