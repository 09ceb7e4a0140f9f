/** Turning "all dependencies succeeded" into a `task.ready` event with the rendered prompt. */
import type { CloudEvent } from 'cloudevents';
import { newEvent, taskSubject } from '../events/emit.js';
import { TASK_READY, type TaskReadyData } from '../events/types.js';
import { PermanentError } from '../errors.js';
import type { ReadyTask } from '../store/store.js';
import { TemplateError } from '../template/index.js';
import type { FlowContext, FlowDeps } from './deps.js';
import { failTask, type FailureReason } from './fail.js';
import { renderReadyPrompt, templateFailureMessage } from './render.js';

/**
 * The ready event for a Task, or null when its prompt cannot be rendered — then the Task
 * (and its dependents) have been failed with the reason.
 */
export async function readyEvent(
  deps: FlowDeps,
  context: FlowContext,
  namespace: string,
  task: ReadyTask,
): Promise<CloudEvent<TaskReadyData> | null> {
  let prompt: string;
  try {
    prompt = renderReadyPrompt(task, deps.config);
  } catch (err) {
    if (!(err instanceof PermanentError)) throw err;
    const reason: FailureReason = err instanceof TemplateError ? 'TemplateFailed' : 'PromptTooLarge';
    const message = err instanceof TemplateError ? templateFailureMessage(err) : err.message;
    await failTask(deps, context, { namespace, name: task.name, uid: task.uid }, message, reason);
    return null;
  }
  return newEvent<TaskReadyData>({
    type: TASK_READY,
    source: deps.config.source,
    subject: taskSubject(namespace, task.name),
    id: `${task.uid}/ready`,
    data: { namespace, name: task.name, uid: task.uid, prompt },
    traceparent: context.traceparent,
  });
}

/** Emits a ready event for each Task (those whose template fails are failed instead). */
export async function emitReady(deps: FlowDeps, context: FlowContext, namespace: string, tasks: ReadyTask[]): Promise<void> {
  for (const task of tasks) {
    const event = await readyEvent(deps, context, namespace, task);
    if (event) await deps.emit(event);
  }
}
