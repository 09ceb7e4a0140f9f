/**
 * Prompt rendering — the one entry point the functions use.
 * PLACEHOLDER SIGNATURES: the template work fills these in (Go text/template compiled onto nunjucks).
 */
import { PermanentError } from '../errors.js';
import type { DependencyData, TemplateDialect } from '../task/model.js';

export interface RenderLimits {
  /** Wall-clock budget for one render. */
  timeoutMs: number;
  /** Largest rendered prompt, in UTF-8 bytes. */
  maxOutputBytes: number;
}

export const DEFAULT_RENDER_LIMITS: RenderLimits = { timeoutMs: 1000, maxOutputBytes: 256 * 1024 };

/** A template that does not parse, fails while executing, or breaches a limit. */
export class TemplateError extends PermanentError {
  constructor(
    message: string,
    readonly stage: 'parse' | 'execute' | 'limit',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface TemplateData {
  Deps: Record<string, DependencyData>;
}

/** Throws TemplateError (stage `parse`, message with line:col) when the template does not parse. */
export declare function checkTemplate(template: string, dialect: TemplateDialect): void;

/** Render a prompt in the given dialect; throws TemplateError. Compiled templates are cached. */
export declare function renderPrompt(
  template: string,
  dialect: TemplateDialect,
  data: TemplateData,
  limits?: Partial<RenderLimits>,
): string;

/** Go text/template as Axon runs it (missingkey=error); throws Error carrying the position. */
export declare function renderGoTemplate(template: string, data: TemplateData): string;
