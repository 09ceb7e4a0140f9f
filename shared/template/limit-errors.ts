/**
 * The errors a breached limit raises: stage `limit`, a message naming the limit, its size and
 * the field that sets it, and what the template author can do about it.
 */
import { TemplateError } from './errors.js';
import type { RenderLimits } from './limits.js';

export function outputLimitError(l: RenderLimits): TemplateError {
  return new TemplateError(`rendered prompt exceeds the output limit of ${l.maxOutputBytes} bytes`, 'limit');
}

export function timeLimitError(l: RenderLimits): TemplateError {
  return new TemplateError(`rendering the prompt took longer than the time limit of ${l.timeoutMs} ms`, 'limit');
}

export function sourceLimitError(l: RenderLimits): TemplateError {
  return new TemplateError(
    `template: prompt: template source is larger than the source limit of ${l.maxSourceBytes} bytes (maxSourceBytes) — ` +
      'shorten the template; long fixed text belongs in a dependency output, not in the template',
    'limit',
  );
}

/** `where` is the dialect's position prefix, e.g. "prompt:3" or "prompt:3:7". */
export function depthLimitError(l: RenderLimits, where: string): TemplateError {
  return new TemplateError(
    `template: ${where}: template nests deeper than the depth limit of ${l.maxDepth} levels (maxDepth) — ` +
      'flatten nested blocks and parentheses',
    'limit',
  );
}

export function callDepthLimitError(l: RenderLimits): TemplateError {
  return new TemplateError(
    `macro calls nest deeper than the depth limit of ${l.maxDepth} levels (maxDepth) — ` +
      'a recursive macro needs a condition that ends the recursion',
    'limit',
  );
}

export function valueDepthLimitError(l: RenderLimits): TemplateError {
  return new TemplateError(
    `template builds a value nested deeper than the depth limit of ${l.maxDepth} levels (maxDepth) — ` +
      'arrays inside arrays that deep cannot be turned into text',
    'limit',
  );
}

export function valueLimitError(l: RenderLimits): TemplateError {
  return new TemplateError(
    `template builds a value of more than ${l.maxValueBytes} bytes (the value limit, maxValueBytes) — ` +
      'build smaller values, or write the pieces out one by one instead of joining them into one',
    'limit',
  );
}

export function producedLimitError(l: RenderLimits): TemplateError {
  return new TemplateError(
    `template builds more than ${l.maxProducedBytes} bytes of values in total (the produced-bytes limit, maxProducedBytes) — ` +
      'write pieces out directly instead of growing a value step by step or building the same value again and again',
    'limit',
  );
}

/** A limit error with the position it happened at, unless it already has one. */
export function limitAt(e: TemplateError, where: string, line?: number, column?: number): TemplateError {
  if (e.message.startsWith('template: ')) return e;
  return new TemplateError(`template: ${where}: ${e.message}`, 'limit', { cause: e, line, column });
}
