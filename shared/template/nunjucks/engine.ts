/**
 * The native nunjucks dialect: templates are parsed by nunjucks, checked and rewritten by the
 * sandbox, compiled by nunjucks's own compiler once per distinct text, and rendered in a
 * private Environment without loaders (no filesystem) and with autoescaping off.
 */
import nunjucks from 'nunjucks';
import type { DependencyData } from '../../task/model.js';
import { TemplateError } from '../errors.js';
import { Budget, RenderLimits } from '../limits.js';
import { Lru } from '../lru.js';
import { nunjucksReferencedDependencies } from './deps.js';
import { compiler, NjkTemplateError, parser, transformer } from './internals.js';
import { NUNJUCKS_RUNTIME_GLOBALS, NunjucksRenderState, SandboxRefusal, guardedFilters } from './runtime.js';
import { sandbox } from './sandbox.js';

const NAME = 'prompt';

interface EnvInternals {
  filters: Record<string, (...a: unknown[]) => unknown>;
  tests: Record<string, unknown>;
}

function createEnvironment(): nunjucks.Environment {
  // dev: rethrow nunjucks's own error object, which carries the executing node's line/column.
  const env = new nunjucks.Environment([], { autoescape: false, throwOnUndefined: false, dev: true });
  for (const [name, fn] of Object.entries(NUNJUCKS_RUNTIME_GLOBALS)) env.addGlobal(name, fn);
  const internals = env as unknown as EnvInternals;
  for (const [name, f] of Object.entries(guardedFilters(internals.filters as never))) env.addFilter(name, f as never);
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
  private readonly cache: Lru<nunjucks.Template>;
  private readonly depsCache: Lru<string[] | 'all'>;
  private readonly filters: Set<string>;
  private readonly tests: Set<string>;

  constructor(cacheSize = 256) {
    this.cache = new Lru(cacheSize);
    this.depsCache = new Lru(cacheSize);
    const internals = this.env as unknown as EnvInternals;
    this.filters = new Set(Object.keys(internals.filters));
    this.tests = new Set(Object.keys(internals.tests));
  }

  /** Parse, sandbox and compile; throws TemplateError('parse'). */
  prepare(text: string): nunjucks.Template {
    const key = text;
    const hit = this.cache.get(key);
    if (hit) return hit;
    let code: string;
    try {
      const ast = sandbox(parser.parse(text, [], {}), { filters: this.filters, tests: this.tests });
      const c = new compiler.Compiler(NAME, false);
      c.compile(transformer.transform(ast, [], NAME));
      code = c.getCode();
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      if (e instanceof RangeError || /Maximum call stack size exceeded/.test(String((e as Error)?.message))) {
        throw new TemplateError(`template: ${NAME}: template is nested too deeply`, 'parse', { cause: e });
      }
      const p = positioned(e as NjkTemplateError);
      throw new TemplateError(p.message, 'parse', { cause: e, line: p.line, column: p.column });
    }
    // Same step nunjucks's Template performs for source text; the code is nunjucks's own output.
    const props = new Function(code)() as Record<string, unknown>; // eslint-disable-line no-new-func
    const tmpl = new nunjucks.Template({ type: 'code', obj: props } as never, this.env, NAME, true);
    this.cache.set(key, tmpl);
    return tmpl;
  }

  /** The dependencies the template can read, or 'all' (see deps.ts); throws TemplateError('parse'). */
  dependencies(text: string): string[] | 'all' {
    const hit = this.depsCache.get(text);
    if (hit) return hit;
    this.prepare(text); // the same checks and errors as rendering
    const deps = nunjucksReferencedDependencies(parser.parse(text, [], {}));
    this.depsCache.set(text, deps);
    return deps;
  }

  render(text: string, data: { Deps: Record<string, DependencyData> }, limits: RenderLimits): string {
    const tmpl = this.prepare(text);
    const budget = new Budget(limits);
    const state = new NunjucksRenderState(budget);
    let out: string;
    try {
      out = tmpl.render({ Deps: cloneDeps(data.Deps), __s: state });
    } catch (e) {
      throw renderError(state.error ?? e, e);
    }
    budget.checkOutput(out);
    return out;
  }
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
  if (err instanceof TemplateError) return err;
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
      Name: d.Name,
    };
  }
  return out;
}
