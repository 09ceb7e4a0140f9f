/**
 * The render process: the template engines and nothing else, answering one request at a time.
 * Started by isolated/host.ts with a bounded heap; whatever a template does here, the worst
 * outcome is this process ending, which its parent reports as a limit breach.
 */
import { TemplateError } from '../errors.js';
import { TemplateEngines } from '../renderer.js';
import type { RenderReply, RenderRequest } from './protocol.js';

const engines = new TemplateEngines();

function answer(request: RenderRequest): RenderReply {
  try {
    if (request.op === 'inspect') return { id: request.id, ok: true, deps: engines.inspect(request.template, request.dialect, request.limits) };
    return { id: request.id, ok: true, output: engines.render(request.template, request.dialect, request.data, request.limits) };
  } catch (err) {
    if (err instanceof TemplateError) {
      const { message, stage, line, column } = err;
      return { id: request.id, ok: false, error: { message, stage, line, column } };
    }
    return { id: request.id, ok: false, internal: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

process.on('message', (request: RenderRequest) => {
  process.send!(answer(request));
});
// The parent is gone (or closed the channel): nothing will ask again.
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
