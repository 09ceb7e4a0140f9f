/**
 * What one template may consume. Templates are written by whoever can create a Task, so every
 * resource they can reach has a bound: source size and nesting depth (checked before anything
 * recurses over the template), wall time, output, and the values a render builds on the way.
 */

export interface RenderLimits {
  /** Wall-clock budget for one render. */
  timeoutMs: number;
  /** Largest rendered prompt, in UTF-8 bytes. */
  maxOutputBytes: number;
  /** Largest template source, in UTF-8 bytes; a larger one is refused before it is parsed. */
  maxSourceBytes: number;
  /**
   * Deepest nesting of blocks (if/with/range/for/macro…) and parenthesised expressions, and in
   * nunjucks of macro calls at run time.
   */
  maxDepth: number;
  /**
   * Largest string or array one operation may build, in UTF-16 code units (a lower bound of the
   * UTF-8 size); an array element counts 8, the size of the reference it takes.
   */
  maxValueBytes: number;
  /** Everything the operations of one render build, added up, in the same units. */
  maxProducedBytes: number;
}

/**
 * maxDepth: prompts nest a handful of levels (the seed prompts: range → if → action, 3); 100
 * leaves an order of magnitude for generated or unusual templates, while the deepest recursion
 * it admits (nunjucks's parser spends ~20 JS frames per level) stays well inside the JS stack.
 * maxSourceBytes: parsing and compiling cost about 6 µs per byte of dense actions (0.4 s at the
 * limit, within the time a render may take); prompts are a few KiB.
 * maxValueBytes is four times the output limit: a value can be bigger than what is printed
 * (it may be sliced), but nothing a prompt needs is megabytes long.
 */
export const DEFAULT_RENDER_LIMITS: RenderLimits = Object.freeze({
  timeoutMs: 1000,
  maxOutputBytes: 256 * 1024,
  maxSourceBytes: 64 * 1024,
  maxDepth: 100,
  maxValueBytes: 1024 * 1024,
  maxProducedBytes: 32 * 1024 * 1024,
});

/** Above this the JS stack, not the limit, would decide how deep a template may nest. */
export const MAX_DEPTH_LIMIT = 250;

export function resolveLimits(limits?: Partial<RenderLimits>): RenderLimits {
  if (limits === undefined) return DEFAULT_RENDER_LIMITS;
  const l: RenderLimits = { ...DEFAULT_RENDER_LIMITS };
  for (const key of Object.keys(DEFAULT_RENDER_LIMITS) as (keyof RenderLimits)[]) {
    const v = limits[key];
    if (v !== undefined) l[key] = v;
  }
  const bad = invalidFields(l);
  if (bad.length > 0) throw new RangeError(`invalid render limits: ${bad.map((k) => `${k}=${l[k]}`).join(', ')}`);
  return l;
}

function invalidFields(l: RenderLimits): (keyof RenderLimits)[] {
  const bad: (keyof RenderLimits)[] = [];
  if (!(l.timeoutMs > 0)) bad.push('timeoutMs');
  if (!(l.maxOutputBytes >= 0)) bad.push('maxOutputBytes');
  if (!(l.maxSourceBytes >= 0)) bad.push('maxSourceBytes');
  if (!Number.isInteger(l.maxDepth) || l.maxDepth < 1 || l.maxDepth > MAX_DEPTH_LIMIT) bad.push('maxDepth');
  if (!(l.maxValueBytes >= 0)) bad.push('maxValueBytes');
  if (!(l.maxProducedBytes >= 0)) bad.push('maxProducedBytes');
  return bad;
}

/** An array's size in the units of RenderLimits.maxValueBytes. */
export const ELEMENT_UNITS = 8;

/** Refuse a template source over the limit, cheaply: UTF-16 length first, exact bytes only near the limit. */
export function sourceFits(text: string, l: RenderLimits): boolean {
  const max = l.maxSourceBytes;
  if (text.length * 3 <= max) return true;
  return text.length <= max && Buffer.byteLength(text, 'utf8') <= max;
}
