/**
 * The Workspace and AgentConfig a Task names, read from the cluster when its Job is built.
 * One that does not exist (yet) makes the Task wait — `Waiting` with a message naming it —
 * rather than run without it; when it is created, task-intake's reference handler (or resync)
 * announces the Task again. A Job already made for the Task is never affected.
 */
import type { Cluster } from '../cluster/cluster.js';
import { AGENT_CONFIG_KIND } from '../job/agent-config.js';
import type { JobInputs } from '../job/inputs.js';
import { WORKSPACE_KIND } from '../job/workspace.js';
import type { Task } from '../task/model.js';
import type { FlowContext, FlowDeps } from './deps.js';
import type { TaskIdentity } from './fail.js';
import { updateStatus } from './status.js';
import { recordTaskEvent } from './task-events.js';

export type ReferenceKind = typeof WORKSPACE_KIND | typeof AGENT_CONFIG_KIND;

export interface Reference {
  kind: ReferenceKind;
  name: string;
}

/** What the Task names, Workspace first. */
export function referencesOf(task: Pick<Task, 'spec'>): Reference[] {
  const refs: Reference[] = [];
  const spec = (task.spec ?? {}) as Partial<Task['spec']>;
  if (spec.workspaceRef?.name) refs.push({ kind: WORKSPACE_KIND, name: spec.workspaceRef.name });
  if (spec.agentConfigRef?.name) refs.push({ kind: AGENT_CONFIG_KIND, name: spec.agentConfigRef.name });
  return refs;
}

/** `Waiting for Workspace "x" to be created` (both named when both are missing). */
export function referenceWaitingMessage(missing: readonly Reference[]): string {
  return `Waiting for ${missing.map((r) => `${r.kind} "${r.name}"`).join(' and ')} to be created`;
}

/** Whether the Task's status says it waits for exactly these references. */
export function waitsFor(task: Pick<Task, 'status'>, missing: readonly Reference[]): boolean {
  return missing.length > 0 && task.status?.phase === 'Waiting' && task.status.message === referenceWaitingMessage(missing);
}

/** The references that do not exist now, read through the cluster. */
export async function missingReferences(cluster: Cluster, namespace: string, refs: readonly Reference[]): Promise<Reference[]> {
  const found = await Promise.all(
    refs.map((ref) => (ref.kind === WORKSPACE_KIND ? cluster.getWorkspace(namespace, ref.name) : cluster.getAgentConfig(namespace, ref.name))),
  );
  return refs.filter((_, i) => found[i] === null);
}

/** The objects the Task names, or which of them are missing. */
export async function readInputs(cluster: Cluster, task: Task): Promise<{ inputs: JobInputs } | { missing: Reference[] }> {
  const { namespace } = task.metadata;
  const { workspaceRef, agentConfigRef } = task.spec;
  const [workspace, agentConfig] = await Promise.all([
    workspaceRef ? cluster.getWorkspace(namespace, workspaceRef.name) : undefined,
    agentConfigRef ? cluster.getAgentConfig(namespace, agentConfigRef.name) : undefined,
  ]);
  const missing = referencesOf(task).filter((ref) => (ref.kind === WORKSPACE_KIND ? workspace : agentConfig) === null);
  if (missing.length > 0) return { missing };
  return { inputs: { ...(workspace ? { workspace } : {}), ...(agentConfig ? { agentConfig } : {}) } };
}

function ownJob(job: { metadata?: { ownerReferences?: Array<{ kind?: string; uid?: string }> } } | null, uid: string): boolean {
  return (job?.metadata?.ownerReferences ?? []).some((o) => o.kind === 'Task' && o.uid === uid);
}

/**
 * Puts the Task (back) to Waiting for what is missing. A Task at Pending had a launch begun:
 * when its Job exists it was launched and is left as it is (`launched`); otherwise it waits.
 */
export async function waitForReferences(
  deps: FlowDeps,
  context: FlowContext,
  identity: TaskIdentity,
  read: Task,
  missing: readonly Reference[],
): Promise<'waiting' | 'launched'> {
  const message = referenceWaitingMessage(missing);
  let launched = false;
  const { written } = await updateStatus(
    deps,
    context,
    identity,
    async (t) => {
      const phase = t.status?.phase;
      if (phase !== undefined && phase !== 'Waiting' && phase !== 'Pending') return null;
      if (phase === 'Pending' && ownJob(await deps.cluster.getJob(identity.namespace, identity.name), identity.uid)) {
        launched = true;
        return null;
      }
      return waitsFor(t, missing) ? null : { phase: 'Waiting', message };
    },
    { read },
  );
  if (written) await recordTaskEvent(deps, context, identity, { type: 'Normal', reason: 'TaskWaiting', message });
  context.log.info({ missing }, launched ? 'inputs missing, but the Job exists already' : message);
  return launched ? 'launched' : 'waiting';
}
