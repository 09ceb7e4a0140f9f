/**
 * The Go dialect end to end: parse (Go's rules and messages), translate to nunjucks, compile
 * once per distinct template text, render with the Go runtime in a private nunjucks
 * Environment that holds nothing but that runtime.
 */
import nunjucks from 'nunjucks';
import type { DependencyData } from '../../task/model.js';
import { Budget } from '../budget.js';
import { TemplateError } from '../errors.js';
import { depthLimitError, sourceLimitError } from '../limit-errors.js';
import { DEFAULT_RENDER_LIMITS, RenderLimits, sourceFits } from '../limits.js';
import { CACHE_BYTES, Lru } from '../lru.js';
import { compileGo, CompiledGo } from './compile.js';
import { goReferencedDependencies } from './deps.js';
import { GoExecError, location } from './exec.js';
import { GoDepthError, GoParseError, parseGo, ParsedTemplate } from './parser.js';
import { GO_RUNTIME_GLOBALS, GoProgram, GoRenderState } from './runtime.js';
import { toGoData } from './values.js';
import { displayString } from './strconv.js';

const TEMPLATE_NAME = 'prompt';

/** What a cached template keeps per syntax node (measured 270–360 bytes), for the cache's budget. */
const BYTES_PER_NODE = 360;

interface Prepared {
  parsed: ParsedTemplate;
  compiled: CompiledGo;
  program: GoProgram;
  template: nunjucks.Template;
  /** referencedDependencies, worked out on first request. */
  deps?: string[] | 'all';
}

function createEnvironment(): nunjucks.Environment {
  // An empty loader list: no filesystem, no includes. Autoescape off: prompts are plain text.
  const env = new nunjucks.Environment([], { autoescape: false, throwOnUndefined: false });
  for (const [name, fn] of Object.entries(GO_RUNTIME_GLOBALS)) env.addGlobal(name, fn);
  return env;
}

export class GoEngine {
  private readonly env = createEnvironment();
  private readonly cache: Lru<Prepared>;

  constructor(cacheSize = 256) {
    this.cache = new Lru(cacheSize, CACHE_BYTES);
  }

  /** Parse only; throws TemplateError('parse', or 'limit' when nested too deeply). */
  check(text: string, limits: RenderLimits = DEFAULT_RENDER_LIMITS): ParsedTemplate {
    try {
      return parseGo(text, TEMPLATE_NAME, limits.maxDepth);
    } catch (e) {
      if (e instanceof GoDepthError) throw depthLimitError(limits, `${TEMPLATE_NAME}:${e.line}`);
      if (e instanceof GoParseError) {
        // Go's message names only the line; the column of the offending token rides along.
        const [line, column] = location(text, e.pos);
        throw new TemplateError(e.message, 'parse', { cause: e, line: e.line, column: line === e.line ? column : undefined });
      }
      throw e;
    }
  }

  /**
   * The compiled template, from the cache when it is there. The source and depth limits are
   * checked first either way: the source before anything reads it whole, the depth against
   * what the cached parse found, since the limits may differ from render to render.
   */
  prepare(text: string, limits: RenderLimits = DEFAULT_RENDER_LIMITS): Prepared {
    if (!sourceFits(text, limits)) throw sourceLimitError(limits);
    const key = text;
    const hit = this.cache.get(key);
    if (hit) {
      if (hit.parsed.depth > limits.maxDepth) throw depthLimitError(limits, TEMPLATE_NAME);
      return hit;
    }
    let parsed: ParsedTemplate;
    let compiled: CompiledGo;
    let template: nunjucks.Template;
    try {
      parsed = this.check(text, limits);
      compiled = compileGo(parsed);
      template = new nunjucks.Template(compiled.source, this.env, TEMPLATE_NAME, true);
    } catch (e) {
      // A backstop: the depth limit keeps every recursion far from the stack's end.
      if (e instanceof RangeError || /Maximum call stack size exceeded/.test(String((e as Error)?.message))) {
        throw new TemplateError(`template: ${TEMPLATE_NAME}: template is nested too deeply to process (maxDepth ${limits.maxDepth})`, 'limit', { cause: e });
      }
      throw e;
    }
    const program: GoProgram = {
      name: TEMPLATE_NAME,
      text: parsed.text,
      info: compiled.info,
      nodes: parsed.nodes,
      ranges: compiled.ranges,
      fast: compiled.fast,
      slotCount: compiled.slotCount,
    };
    const prepared = { parsed, compiled, program, template };
    this.cache.set(key, prepared, text.length + compiled.source.length + parsed.nodes.length * BYTES_PER_NODE);
    return prepared;
  }

  /** The dependencies the template can read, or 'all' (see deps.ts); throws TemplateError('parse'). */
  dependencies(text: string, limits: RenderLimits = DEFAULT_RENDER_LIMITS): string[] | 'all' {
    const p = this.prepare(text, limits);
    p.deps ??= goReferencedDependencies(p.parsed.root);
    return p.deps;
  }

  render(text: string, data: { Deps: Record<string, DependencyData> } & Record<string, unknown>, limits: RenderLimits): string {
    const p = this.prepare(text, limits);
    const budget = new Budget(limits);
    const root = toGoData(data);
    const state = new GoRenderState(p.program, root, budget);
    let out: string;
    try {
      out = p.template.render({ __s: state, __d0: root });
    } catch (e) {
      throw toTemplateError(state.error ?? e);
    }
    out = displayString(out);
    budget.checkOutput(out);
    return out;
  }
}

function toTemplateError(e: unknown): TemplateError {
  if (e instanceof TemplateError) return e;
  if (e instanceof GoExecError) {
    return new TemplateError(displayString(e.message), 'execute', { cause: e, line: e.line, column: e.column });
  }
  if (e instanceof RangeError) {
    return new TemplateError(`template: ${TEMPLATE_NAME}: execution failed: ${e.message}`, 'limit', { cause: e });
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new TemplateError(`template: ${TEMPLATE_NAME}: execution failed: ${msg}`, 'execute', { cause: e });
}
