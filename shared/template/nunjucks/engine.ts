/**
 * The native nunjucks dialect: templates are parsed by nunjucks, checked and rewritten by the
 * sandbox, compiled by nunjucks's own compiler once per distinct text, and rendered in a
 * private Environment without loaders (no filesystem) and with autoescaping off.
 */
import nunjucks from 'nunjucks';
import type { DependencyData } from '../../task/model.js';
import { Budget } from '../budget.js';
import { TemplateError } from '../errors.js';
import { depthLimitError, limitAt, sourceLimitError } from '../limit-errors.js';
import { DEFAULT_RENDER_LIMITS, RenderLimits, sourceFits } from '../limits.js';
import { CACHE_BYTES, Lru } from '../lru.js';
import { nunjucksReferencedDependencies } from './deps.js';
import { boundedFilters, Filter } from './filters.js';
import { compiler, NjkNodeList, NjkTemplateError, transformer } from './internals.js';
import { DepthExceeded, parseNunjucks } from './parse.js';
import { NUNJUCKS_RUNTIME_GLOBALS, NunjucksRenderState, SandboxRefusal } from './runtime.js';
import { sandbox } from './sandbox.js';
import { activate } from './values.js';

const NAME = 'prompt';

interface EnvInternals {
  filters: Record<string, Filter>;
  tests: Record<string, unknown>;
}

interface Prepared {
  template: nunjucks.Template;
  /** Nesting depth the parse found (checked against each render's limit). */
  depth: number;
}

function createEnvironment(): nunjucks.Environment {
  // dev: rethrow nunjucks's own error object, which carries the executing node's line/column.
  const env = new nunjucks.Environment([], { autoescape: false, throwOnUndefined: false, dev: true });
  for (const [name, fn] of Object.entries(NUNJUCKS_RUNTIME_GLOBALS)) env.addGlobal(name, fn);
  // A copy of nunjucks's own filters: addFilter replaces them in place.
  const original = { ...(env as unknown as EnvInternals).filters };
  for (const [name, f] of Object.entries(boundedFilters(original))) env.addFilter(name, f as never);
  return env;
}

/** "(unknown path) [Line 1, Column 5]\n  reason" → "template: prompt:1:5: reason". */
function positioned(e: NjkTemplateError): { message: string; line?: number; column?: number } {
  const reason = e.message.replace(/^\([^)]*\)(?: \[Line \d+, Column \d+\])?\s*/, '').trim();
  // The parser reports 1-based line and column.
  if (e.lineno) {
    const column = e.colno ? e.colno - 1 : undefined;
    return { message: `template: ${NAME}:${e.lineno}:${e.colno ?? 0}: ${reason}`, line: e.lineno, column };
  }
  return { message: `template: ${NAME}: ${reason}` };
}

export class NunjucksEngine {
  private readonly env = createEnvironment();
  private readonly cache: Lru<Prepared>;
  private readonly depsCache: Lru<string[] | 'all'>;
  private readonly filters: Set<string>;
  private readonly tests: Set<string>;

  constructor(cacheSize = 256) {
    this.cache = new Lru(cacheSize, CACHE_BYTES);
    this.depsCache = new Lru(cacheSize, CACHE_BYTES);
    const internals = this.env as unknown as EnvInternals;
    this.filters = new Set(Object.keys(internals.filters));
    this.tests = new Set(Object.keys(internals.tests));
  }

  /**
   * Parse (within the depth limit), sandbox and compile, once per text; throws TemplateError
   * ('parse', or 'limit' for the source and depth limits, which are checked on cache hits too).
   */
  prepare(text: string, limits: RenderLimits = DEFAULT_RENDER_LIMITS): nunjucks.Template {
    if (!sourceFits(text, limits)) throw sourceLimitError(limits);
    const hit = this.cache.get(text);
    if (hit) {
      if (hit.depth > limits.maxDepth) throw depthLimitError(limits, NAME);
      return hit.template;
    }
    const { ast, depth } = this.parse(text, limits);
    let code: string;
    try {
      const c = new compiler.Compiler(NAME, false);
      c.compile(transformer.transform(sandbox(ast, { filters: this.filters, tests: this.tests }), [], NAME));
      code = c.getCode();
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      // A backstop: the depth limit keeps every recursion far from the stack's end.
      if (e instanceof RangeError || /Maximum call stack size exceeded/.test(String((e as Error)?.message))) {
        throw new TemplateError(`template: ${NAME}: template is nested too deeply to process (maxDepth ${limits.maxDepth})`, 'limit', { cause: e });
      }
      const p = positioned(e as NjkTemplateError);
      throw new TemplateError(p.message, 'parse', { cause: e, line: p.line, column: p.column });
    }
    // Same step nunjucks's Template performs for source text; the code is nunjucks's own output.
    const props = new Function(code)() as Record<string, unknown>; // eslint-disable-line no-new-func
    const template = new nunjucks.Template({ type: 'code', obj: props } as never, this.env, NAME, true);
    // The compiled code is what the entry keeps (measured: about a byte per character).
    this.cache.set(text, { template, depth }, text.length + code.length);
    return template;
  }

  private parse(text: string, limits: RenderLimits): { ast: NjkNodeList; depth: number } {
    try {
      return parseNunjucks(text, limits.maxDepth);
    } catch (e) {
      if (e instanceof DepthExceeded) throw depthLimitError(limits, `${NAME}:${e.lineno + 1}:${e.colno + 1}`);
      if (e instanceof RangeError) {
        throw new TemplateError(`template: ${NAME}: template is nested too deeply to process (maxDepth ${limits.maxDepth})`, 'limit', { cause: e });
      }
      const p = positioned(e as NjkTemplateError);
      throw new TemplateError(p.message, 'parse', { cause: e, line: p.line, column: p.column });
    }
  }

  /** The dependencies the template can read, or 'all' (see deps.ts); throws TemplateError('parse'). */
  dependencies(text: string, limits: RenderLimits = DEFAULT_RENDER_LIMITS): string[] | 'all' {
    this.prepare(text, limits); // the same checks and errors as rendering
    const hit = this.depsCache.get(text);
    if (hit) return hit;
    const deps = nunjucksReferencedDependencies(parseNunjucks(text, limits.maxDepth).ast);
    this.depsCache.set(text, deps, text.length);
    return deps;
  }

  render(text: string, data: { Deps: Record<string, DependencyData> }, limits: RenderLimits): string {
    const tmpl = this.prepare(text, limits);
    const budget = new Budget(limits);
    const state = new NunjucksRenderState(budget);
    let out: string;
    const previous = activate(budget);
    try {
      out = tmpl.render({ Deps: cloneDeps(data.Deps), __s: state });
    } catch (e) {
      throw renderError(state.error ?? ownError(e) ?? e, e);
    } finally {
      activate(previous);
    }
    budget.checkOutput(out);
    return out;
  }
}

/** Our TemplateError inside the error nunjucks rethrew (it wraps causes), if any. */
function ownError(e: unknown): TemplateError | undefined {
  for (let c = e, i = 0; c !== null && c !== undefined && i < 8; c = (c as { cause?: unknown }).cause, i++) {
    if (c instanceof TemplateError) return c;
  }
  return undefined;
}

const POS = /^\([^)]*\)(?: \[Line (\d+)(?:, Column (\d+))?\])?\s*/;

/**
 * Turn whatever a render threw into a TemplateError, positioned where nunjucks was executing.
 * nunjucks records that position, 0-based, on the error it rethrows.
 */
function renderError(err: unknown, thrown: unknown): TemplateError {
  const t = thrown as NjkTemplateError;
  const line = typeof t?.lineno === 'number' ? t.lineno + 1 : undefined;
  const column = typeof t?.colno === 'number' ? t.colno : undefined;
  // Messages show 1-based columns; the `column` property is 0-based like the Go dialect's.
  const at = line !== undefined ? `${NAME}:${line}:${(column ?? 0) + 1}` : NAME;
  if (err instanceof SandboxRefusal) {
    return new TemplateError(`template: ${at}: ${err.reason}`, 'execute', { cause: err, line, column });
  }
  if (err instanceof TemplateError) return err.stage === 'limit' ? limitAt(err, at, line, column) : err;
  const msg = (err instanceof Error ? err.message : String(err)).replace(POS, '').trim();
  if (err instanceof RangeError || /Maximum call stack size exceeded|Invalid string length|Invalid array length/.test(msg)) {
    return new TemplateError(`template: ${at}: resource limit exceeded: ${msg.replace(/^RangeError: /, '')}`, 'limit', {
      cause: err,
      line,
      column,
    });
  }
  return new TemplateError(`template: ${at}: ${msg}`, 'execute', { cause: err, line, column });
}

/** A private copy: templates must not be able to alter the caller's objects. */
function cloneDeps(deps: Record<string, DependencyData>): Record<string, DependencyData> {
  const out: Record<string, DependencyData> = {};
  for (const [name, d] of Object.entries(deps)) {
    out[name] = {
      Outputs: d.Outputs === null ? null : [...d.Outputs],
      Results: d.Results === null ? null : { ...d.Results },
      Response: typeof d.Response === 'string' ? d.Response : '',
      Name: d.Name,
    };
  }
  return out;
}
