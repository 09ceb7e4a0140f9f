/**
 * task-submit: another system hands Dendrite work — `dev.dendrite.task.submit` with one Task or
 * `{items: [Task, …]}` (a whole DAG). Checked whole, then created through the API (shared/submit);
 * the reply, `dev.dendrite.task.submitted`, names every Task with its uid. Redelivery is
 * harmless; a different Task under a submitted name is a 422, never an overwrite.
 */
import type { CloudEvent } from 'cloudevents';
import { newEvent } from '../../shared/events/emit.js';
import { TASK_SUBMITTED, type TaskSubmittedData } from '../../shared/events/types.js';
import type { FlowDeps } from '../../shared/flow/deps.js';
import type { HandlerContext } from '../../shared/http/function-app.js';
import { readSubmission } from '../../shared/submit/submission.js';
import { submitTasks } from '../../shared/submit/submit.js';
import type { SchemaValidator } from '../../shared/task/schema-errors.js';

export interface TaskSubmitOptions {
  /** The namespaces this installation serves; a submission for another is refused. */
  namespaces: string[];
  /** The Task CRD's schema: generated at build time or compiled at start (shared/task/precompiled-schema.ts). */
  schema: SchemaValidator;
}

export function createTaskSubmitHandler(deps: FlowDeps, options: TaskSubmitOptions) {
  return async function handleSubmit(event: CloudEvent<unknown>, context: HandlerContext): Promise<CloudEvent<unknown>> {
    const submission = readSubmission(event, options.namespaces);
    const checks = { schema: options.schema, renderer: deps.renderer, renderLimits: deps.config.renderLimits, cluster: deps.cluster };
    const items = await submitTasks(deps.cluster, checks, submission);
    context.log.info(
      { namespace: submission.namespace, submission: submission.id, created: items.filter((i) => i.created).length, tasks: items.length },
      'submission accepted',
    );
    return newEvent<TaskSubmittedData>({
      type: TASK_SUBMITTED,
      source: deps.config.source,
      subject: `/namespaces/${submission.namespace}/submissions/${submission.id}`,
      id: `${submission.id}/submitted`,
      data: { namespace: submission.namespace, submission: submission.id, items },
      traceparent: typeof event.traceparent === 'string' ? event.traceparent : undefined,
    });
  };
}
