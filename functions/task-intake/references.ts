/**
 * task-intake, for Workspaces and AgentConfigs (the references ApiServerSource): one was
 * created or changed, so the Tasks of its namespace that name it and have not started are
 * taken in again, exactly as their own events would be — which announces those whose
 * dependencies are done, and whose launch waited for it (shared/flow/references.ts). The
 * event is only a hint: the object is read from the API first, and the Tasks are listed there.
 * A deletion needs nothing here: the launcher reads the objects when it builds a Job.
 */
import type { CloudEvent } from 'cloudevents';
import { PermanentError } from '../../shared/errors.js';
import { BadEventError, objectData } from '../../shared/events/receive.js';
import { APISERVER_DELETE } from '../../shared/events/types.js';
import type { FlowDeps } from '../../shared/flow/deps.js';
import { intakeTask } from '../../shared/flow/intake.js';
import { referencesOf, type Reference, type ReferenceKind } from '../../shared/flow/references.js';
import type { HandlerContext } from '../../shared/http/function-app.js';
import { AGENT_CONFIG_KIND } from '../../shared/job/agent-config.js';
import { WORKSPACE_KIND } from '../../shared/job/workspace.js';
import type { Task } from '../../shared/task/model.js';

export const REFERENCE_KINDS: readonly ReferenceKind[] = [WORKSPACE_KIND, AGENT_CONFIG_KIND];

/** Tasks listed per page, and taken in at once. */
const PAGE_SIZE = 250;
const AT_ONCE = 16;

function identify(data: Record<string, unknown>): Reference & { namespace: string } {
  const meta = (data.metadata ?? {}) as Record<string, unknown>;
  const { namespace, name } = meta;
  if (typeof namespace !== 'string' || typeof name !== 'string' || !namespace || !name) {
    throw new BadEventError(`the ${String(data.kind)} in the event data must have metadata.namespace and metadata.name`);
  }
  return { kind: data.kind as ReferenceKind, namespace, name };
}

/** A Task that names it and may still wait for it: not started, not ended. */
function waitsOn(task: Task, ref: Reference): boolean {
  const phase = task.status?.phase;
  return (phase === undefined || phase === 'Waiting') && referencesOf(task).some((r) => r.kind === ref.kind && r.name === ref.name);
}

export function createReferenceHandler(deps: FlowDeps) {
  async function takeIn(task: Task, handlerContext: HandlerContext): Promise<void> {
    const { namespace, name, uid } = task.metadata;
    const context = { log: handlerContext.log.child({ task: name, namespace }) };
    try {
      const result = await intakeTask(deps, context, { namespace, name, uid }, task as unknown as Record<string, unknown>);
      if (result.ready) await deps.emit(result.ready);
    } catch (err) {
      // An invalid Task was failed by intake; the others still get their turn.
      if (!(err instanceof PermanentError)) throw err;
    }
  }

  return async function handleReferenceEvent(event: CloudEvent<unknown>, handlerContext: HandlerContext): Promise<void> {
    if (event.type === APISERVER_DELETE) return;
    const ref = identify(objectData(event, 'a Workspace or AgentConfig object'));
    const { namespace } = ref;
    const exists = ref.kind === WORKSPACE_KIND ? await deps.cluster.getWorkspace(namespace, ref.name) : await deps.cluster.getAgentConfig(namespace, ref.name);
    if (!exists) {
      handlerContext.log.info({ ref }, `${ref.kind} not found; nothing waits on an event's word`);
      return;
    }
    let continueToken: string | undefined;
    let taken = 0;
    do {
      const page = await deps.cluster.listTaskPage({ namespace, continueToken, limit: PAGE_SIZE });
      const waiting = page.items.filter((task) => waitsOn(task, ref));
      for (let i = 0; i < waiting.length; i += AT_ONCE) {
        await Promise.all(waiting.slice(i, i + AT_ONCE).map((task) => takeIn(task, handlerContext)));
      }
      taken += waiting.length;
      continueToken = page.continueToken;
    } while (continueToken);
    handlerContext.log.info({ ref, tasks: taken }, `${ref.kind} ${ref.name} is there: ${taken} Task(s) naming it taken in again`);
  };
}
