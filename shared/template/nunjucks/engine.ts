/** Native nunjucks dialect (placeholder until the sandbox lands). */
import type { DependencyData } from '../../task/model.js';
import { TemplateError } from '../errors.js';
import type { RenderLimits } from '../limits.js';

export class NunjucksEngine {
  prepare(_text: string): void {
    throw new TemplateError('the nunjucks dialect is not available yet', 'parse');
  }
  render(_text: string, _data: { Deps: Record<string, DependencyData> }, _limits: RenderLimits): string {
    throw new TemplateError('the nunjucks dialect is not available yet', 'parse');
  }
}
