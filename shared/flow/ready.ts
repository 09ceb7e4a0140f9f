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

/** The prompt, or null when it cannot be rendered — then the Task (and its dependents) have been failed with the reason. */
async function promptOrFail(deps: FlowDeps, context: FlowContext, namespace: string, task: ReadyTask): Promise<string | null> {
  try {
    return await renderReadyPrompt(deps.renderer, task, deps.config);
  } catch (err) {
    if (!(err instanceof PermanentError)) throw err;
    const reason: FailureReason = err instanceof TemplateError ? 'TemplateFailed' : 'PromptTooLarge';
    const message = err instanceof TemplateError ? templateFailureMessage(err) : err.message;
    await failTask(deps, context, { namespace, name: task.name, uid: task.uid }, message, reason);
    return null;
  }
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
 * Renders and records the prompts of Tasks the index just released, and returns their
 * `task.ready` events (Tasks whose prompt cannot be rendered are failed instead). All prompts
 * are recorded in one round trip.
 */
export async function releaseTasks(
  deps: FlowDeps,
  context: FlowContext,
  namespace: string,
  tasks: ReadyTask[],
): Promise<CloudEvent<TaskReadyData>[]> {
  const released: Array<{ task: ReadyTask; prompt: string }> = [];
  for (const task of tasks) {
    const prompt = await promptOrFail(deps, context, namespace, task);
    if (prompt !== null) released.push({ task, prompt });
  }
  if (released.length > 0) {
    await deps.store.recordPrompts(namespace, released.map((r) => ({ name: r.task.name, uid: r.task.uid, prompt: r.prompt })));
  }
  return released.map((r) => readyEvent(deps, context, namespace, r.task, r.prompt));
}

/** Releases the Tasks and sends their ready events. */
export async function emitReady(deps: FlowDeps, context: FlowContext, namespace: string, tasks: ReadyTask[]): Promise<void> {
  for (const event of await releaseTasks(deps, context, namespace, tasks)) await deps.emit(event);
}
