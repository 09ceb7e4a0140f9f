/**
 * Prompt templates — the public surface.
 *
 * Two dialects: Go text/template exactly as Axon renders it (the default), compiled onto
 * nunjucks; and native nunjucks, sandboxed. Both see the same data, `Deps.<name>.{Outputs,
 * Results, Name}`, and both are bounded by RenderLimits.
 *
 * The functions and the CLI render through a PromptRenderer they are given: in production the
 * isolated one (isolated/host.ts), which renders in a separate process. The synchronous
 * functions below run the engines in this process; they are for checks from outside (tests,
 * tools) where a template is trusted not to exhaust the process.
 */
import type { TemplateDialect } from '../task/model.js';
import { TemplateError } from './errors.js';
import { DEFAULT_RENDER_LIMITS, type RenderLimits } from './limits.js';
import { TemplateEngines, type TemplateData, type ReferencedDependencies } from './renderer.js';

export { TemplateError, DEFAULT_RENDER_LIMITS, TemplateEngines };
export type { RenderLimits, TemplateData, ReferencedDependencies };
export type { TemplateStage } from './errors.js';
export { createInProcessRenderer, type PromptRenderer } from './renderer.js';
export { createIsolatedRenderer, type IsolatedRendererOptions } from './isolated/host.js';
export { DEFAULT_RENDER_MEMORY_MB } from './isolated/defaults.js';

// One set of engines for the synchronous entry points, so a template is compiled once per process.
const shared = new TemplateEngines();

/** Throws TemplateError (stage `parse`, message with the position) when the template does not parse. */
export function checkTemplate(template: string, dialect: TemplateDialect, limits?: Partial<RenderLimits>): void {
  shared.inspect(template, dialect, limits);
}

/**
 * The dependencies (names under `Deps`) the template can read: constant-key lookups give a
 * list (first use first; possibly empty, possibly naming no real dependency), anything that
 * could reach every dependency gives 'all'. Rendering with only the listed dependencies present
 * gives the same output or error as rendering with all of them. Cached per template text;
 * throws TemplateError (stage `parse`) like checkTemplate.
 */
export function referencedDependencies(template: string, dialect: TemplateDialect, limits?: Partial<RenderLimits>): ReferencedDependencies {
  return shared.inspect(template, dialect, limits);
}

/** Render a prompt in the given dialect, in this process; throws TemplateError. */
export function renderPrompt(template: string, dialect: TemplateDialect, data: TemplateData, limits?: Partial<RenderLimits>): string {
  return shared.render(template, dialect, data, limits);
}

/** Go text/template as Axon runs it (missingkey=error); throws Error carrying the position. */
export function renderGoTemplate(template: string, data: TemplateData): string {
  return shared.render(template, 'go', data);
}
