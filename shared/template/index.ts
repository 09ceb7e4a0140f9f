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

/** A renderer with its own caches of compiled templates, for callers that inject one. */
export interface PromptRenderer {
  check(template: string, dialect: TemplateDialect): void;
  render(template: string, dialect: TemplateDialect, data: TemplateData, limits?: Partial<RenderLimits>): string;
}

/** `cacheSize` bounds each dialect's LRU of compiled templates. */
export function createPromptRenderer(cacheSize = 256): PromptRenderer {
  return rendererOver(new GoEngine(cacheSize), new NunjucksEngine(cacheSize));
}

function rendererOver(go: GoEngine, njk: NunjucksEngine): PromptRenderer {
  return {
    check(template, dialect) {
      if (dialect === 'nunjucks') njk.prepare(template);
      else go.prepare(template);
    },
    render(template, dialect, data, limits) {
      const l = resolveLimits(limits);
      return dialect === 'nunjucks' ? njk.render(template, data, l) : go.render(template, data, l);
    },
  };
}

// The entry points below share one renderer, so a template is compiled once per process.
const sharedGo = new GoEngine();
const sharedNjk = new NunjucksEngine();
const shared = rendererOver(sharedGo, sharedNjk);

/** Throws TemplateError (stage `parse`, message with the position) when the template does not parse. */
export function checkTemplate(template: string, dialect: TemplateDialect): void {
  shared.check(template, dialect);
}

/**
 * The dependencies (names under `Deps`) the template can read: constant-key lookups give a
 * list (first use first; possibly empty, possibly naming no real dependency), anything that
 * could reach every dependency gives 'all'. Rendering with only the listed dependencies present
 * gives the same output or error as rendering with all of them. Cached per template text;
 * throws TemplateError (stage `parse`) like checkTemplate.
 */
export function referencedDependencies(template: string, dialect: TemplateDialect): string[] | 'all' {
  const deps = dialect === 'nunjucks' ? sharedNjk.dependencies(template) : sharedGo.dependencies(template);
  return deps === 'all' ? deps : [...deps]; // the cached list stays the cache's

}

/** Render a prompt in the given dialect; throws TemplateError. Compiled templates are cached. */
export function renderPrompt(
  template: string,
  dialect: TemplateDialect,
  data: TemplateData,
  limits?: Partial<RenderLimits>,
): string {
  return shared.render(template, dialect, data, limits);
}

/** Go text/template as Axon runs it (missingkey=error); throws Error carrying the position. */
export function renderGoTemplate(template: string, data: TemplateData): string {
  return shared.render(template, 'go', data);
}
