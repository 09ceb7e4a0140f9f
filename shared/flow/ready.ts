/**
 * Releasing Tasks whose dependencies all succeeded: render each prompt, record it in the index
 * (the launcher launches only what is recorded there, never what an event says), then announce
 * it with `task.ready`.
 */
import type { CloudEvent } from 'cloudevents';
import { newEvent, taskSubject } from '../events/emit.js';
import { TASK_READY, type TaskReadyData } from '../events/types.js';
import { PermanentError } from '../errors.js';
import type { ReadyTask } from '../store/store.js';
import { TemplateError } from '../template/errors.js';
import type { FlowContext, FlowDeps } from './deps.js';
import { failTask, type FailureReason } from './fail.js';
import { renderReadyPrompt, templateFailureMessage } from './render.js';

/** A released Task's prompt, or why it cannot have one (the Task is then failed with it). */
export type RenderedPrompt = { task: ReadyTask; prompt: string } | { task: ReadyTask; error: PermanentError };

/**
 * Starts rendering the released Tasks' prompts, all at once. It settles with each prompt or its
 * permanent error, and rejects only on a transient fault. A caller that awaits it later must
 * not let it reject unobserved meanwhile: see `releaseTasks`.
 */
export function renderReleased(deps: FlowDeps, tasks: ReadyTask[]): Promise<RenderedPrompt[]> {
  const rendering = Promise.all(
    tasks.map(async (task): Promise<RenderedPrompt> => {
      try {
        return { task, prompt: await renderReadyPrompt(deps.renderer, task, deps.config) };
      } catch (err) {
        if (!(err instanceof PermanentError)) throw err;
        return { task, error: err };
      }
    }),
  );
  rendering.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
  return rendering;
}

function readyEvent(deps: FlowDeps, context: FlowContext, namespace: string, task: ReadyTask, prompt: string): CloudEvent<TaskReadyData> {
  return newEvent<TaskReadyData>({
    type: TASK_READY,
    source: deps.config.source,
    subject: taskSubject(namespace, task.name),
    id: `${task.uid}/ready`,
    data: { namespace, name: task.name, uid: task.uid, prompt },
    traceparent: context.traceparent,
  });
}

/**
 * Records the prompts of Tasks the index just released and returns their `task.ready` events;
 * Tasks whose prompt cannot be rendered are failed instead. `rendered` may have been started
 * earlier (renderReleased), so rendering overlaps whatever the caller did meanwhile. All
 * prompts are recorded in one round trip.
 */
export async function releaseTasks(
  deps: FlowDeps,
  context: FlowContext,
  namespace: string,
  tasks: ReadyTask[],
  rendered: Promise<RenderedPrompt[]> = renderReleased(deps, tasks),
): Promise<CloudEvent<TaskReadyData>[]> {
  const released: Array<{ task: ReadyTask; prompt: string }> = [];
  for (const result of await rendered) {
    if ('prompt' in result) {
      released.push(result);
      continue;
    }
    const { task, error } = result;
    const reason: FailureReason = error instanceof TemplateError ? 'TemplateFailed' : 'PromptTooLarge';
    const message = error instanceof TemplateError ? templateFailureMessage(error) : error.message;
    await failTask(deps, context, { namespace, name: task.name, uid: task.uid }, message, reason);
  }
  if (released.length > 0) {
    await deps.store.recordPrompts(namespace, released.map((r) => ({ name: r.task.name, uid: r.task.uid, prompt: r.prompt })));
  }
  return released.map((r) => readyEvent(deps, context, namespace, r.task, r.prompt));
}

/** Releases the Tasks and sends their ready events. */
export async function emitReady(
  deps: FlowDeps,
  context: FlowContext,
  namespace: string,
  tasks: ReadyTask[],
  rendered?: Promise<RenderedPrompt[]>,
): Promise<void> {
  for (const event of await releaseTasks(deps, context, namespace, tasks, rendered)) await deps.emit(event);
}
