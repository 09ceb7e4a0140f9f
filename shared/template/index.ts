/**
 * Prompt rendering — the one entry point the functions use.
 *
 * Two dialects: Go text/template exactly as Axon renders it (the default), compiled onto
 * nunjucks; and native nunjucks, sandboxed. Both see the same data, `Deps.<name>.{Outputs,
 * Results, Name}`, and both are bounded by RenderLimits.
 */
import type { DependencyData, TemplateDialect } from '../task/model.js';
import { TemplateError } from './errors.js';
import { GoEngine } from './go/engine.js';
import { DEFAULT_RENDER_LIMITS, RenderLimits, resolveLimits } from './limits.js';
import { NunjucksEngine } from './nunjucks/engine.js';

export { TemplateError, DEFAULT_RENDER_LIMITS };
export type { RenderLimits };
export type { TemplateStage } from './errors.js';

export interface TemplateData {
  Deps: Record<string, DependencyData>;
}

// Engines hold only caches of compiled templates (bounded LRUs); sharing them is what makes
// "compiled once" true across renders.
const goEngine = new GoEngine();
const nunjucksEngine = new NunjucksEngine();

/** Throws TemplateError (stage `parse`, message with the position) when the template does not parse. */
export function checkTemplate(template: string, dialect: TemplateDialect): void {
  if (dialect === 'nunjucks') nunjucksEngine.prepare(template);
  else goEngine.prepare(template);
}

/** Render a prompt in the given dialect; throws TemplateError. Compiled templates are cached. */
export function renderPrompt(
  template: string,
  dialect: TemplateDialect,
  data: TemplateData,
  limits?: Partial<RenderLimits>,
): string {
  const l = resolveLimits(limits);
  if (dialect === 'nunjucks') return nunjucksEngine.render(template, data, l);
  return goEngine.render(template, data, l);
}

/** Go text/template as Axon runs it (missingkey=error); throws Error carrying the position. */
export function renderGoTemplate(template: string, data: TemplateData): string {
  return renderPrompt(template, 'go', data);
}
