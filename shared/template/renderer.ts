/**
 * The renderer the flows and the CLI are given: asynchronous, because the production one
 * renders in a separate process (isolated/host.ts) so that no template can take the caller
 * down. The in-process one here runs the same engines directly — for tests of everything
 * around rendering, and as the baseline the isolation's cost is measured against.
 */
import type { TemplateDialect } from '../task/model.js';
import type { DependencyData } from '../task/model.js';
import { GoEngine } from './go/engine.js';
import { resolveLimits, type RenderLimits } from './limits.js';
import { NunjucksEngine } from './nunjucks/engine.js';

export interface TemplateData {
  Deps: Record<string, DependencyData>;
  /** A TaskSpawner's item (`.Number`, `.Title`, `.Event`, …): JSON values, Go dialect only. */
  [field: string]: unknown;
}

/** The dependencies a template can read (see referencedDependencies), or 'all'. */
export type ReferencedDependencies = string[] | 'all';

export interface PromptRenderer {
  /**
   * Parses the template within the limits and works out which dependencies it reads;
   * rejects with TemplateError (stage `parse` or `limit`).
   */
  inspect(template: string, dialect: TemplateDialect, limits?: Partial<RenderLimits>): Promise<ReferencedDependencies>;
  /** Renders; rejects with TemplateError (stage `parse`, `execute` or `limit`). */
  render(template: string, dialect: TemplateDialect, data: TemplateData, limits?: Partial<RenderLimits>): Promise<string>;
  /**
   * Gets ready to render (starts the render process), so the first render does not pay for
   * that. Resolves once ready; never rejects — a process that cannot start fails the first
   * render instead (a transient error).
   */
  warm(): Promise<void>;
  /** Ends whatever the renderer runs (a no-op in process). */
  close(): Promise<void>;
}

/** Both engines with their caches of compiled templates: the synchronous core. */
export class TemplateEngines {
  private readonly go: GoEngine;
  private readonly njk: NunjucksEngine;

  constructor(cacheSize = 256) {
    this.go = new GoEngine(cacheSize);
    this.njk = new NunjucksEngine(cacheSize);
  }

  /** Throws TemplateError. The list returned is a copy: the cached one stays the cache's. */
  inspect(template: string, dialect: TemplateDialect, limits?: Partial<RenderLimits>): ReferencedDependencies {
    const l = resolveLimits(limits);
    const deps = dialect === 'nunjucks' ? this.njk.dependencies(template, l) : this.go.dependencies(template, l);
    return deps === 'all' ? deps : [...deps];
  }

  /** Throws TemplateError. */
  render(template: string, dialect: TemplateDialect, data: TemplateData, limits?: Partial<RenderLimits>): string {
    const l = resolveLimits(limits);
    return dialect === 'nunjucks' ? this.njk.render(template, data, l) : this.go.render(template, data, l);
  }
}

/** The engines called directly, behind the asynchronous interface. Not isolated. */
export function createInProcessRenderer(engines = new TemplateEngines()): PromptRenderer {
  return {
    inspect: async (template, dialect, limits) => engines.inspect(template, dialect, limits),
    render: async (template, dialect, data, limits) => engines.render(template, dialect, data, limits),
    warm: async () => {},
    close: async () => {},
  };
}
