import { APISERVER_TYPES } from '../../shared/events/types.js';
import type { FlowDeps } from '../../shared/flow/deps.js';
import { createFunctionApp, type Handler, type HttpApp } from '../../shared/http/function-app.js';
import { createTaskIntakeHandler } from './handler.js';
import { createReferenceHandler, REFERENCE_KINDS } from './references.js';

export const FUNCTION_NAME = 'task-intake';

/** The kinds of object whose ApiServerSource events this function takes (the Triggers route exactly these). */
export const ACCEPTED_KINDS: readonly string[] = ['Task', ...REFERENCE_KINDS];

/** ApiServerSource events share their types across kinds: the object's kind picks the handler. */
function byKind(tasks: Handler, references: Handler): Handler {
  return (event, context) => {
    const kind = (event.data as { kind?: unknown } | null | undefined)?.kind;
    const isReference = typeof kind === 'string' && (REFERENCE_KINDS as readonly string[]).includes(kind);
    return (isReference ? references : tasks)(event, context);
  };
}

/** The event types this function takes, each with its handler (the Triggers must route exactly these). */
export function createHandlers(deps: FlowDeps): Record<string, Handler> {
  const handle = byKind(createTaskIntakeHandler(deps), createReferenceHandler(deps));
  return Object.fromEntries(APISERVER_TYPES.map((type) => [type, handle]));
}

export function createApp(deps: FlowDeps): HttpApp {
  return createFunctionApp({
    name: FUNCTION_NAME,
    handlers: createHandlers(deps),
    log: deps.log,
    ready: () => deps.store.ping(),
    metrics: deps.metrics,
  });
}
