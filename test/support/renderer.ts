/** The renderer the functions run with in production, for tests and benchmarks: prompts render in a child process. */
import { createIsolatedRenderer, type IsolatedRendererOptions, type PromptRenderer } from '../../shared/template/index.js';

/** The compiled render process script (dist/shared/template/isolated/child.js). */
export const RENDER_PROCESS_ENTRY = new URL('../../shared/template/isolated/child.js', import.meta.url);

export function isolatedRenderer(options: Partial<IsolatedRendererOptions> = {}): PromptRenderer {
  return createIsolatedRenderer({ entry: RENDER_PROCESS_ENTRY, ...options });
}
