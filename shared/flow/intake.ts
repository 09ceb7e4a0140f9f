/**
 * Registering a Task in the index in one atomic step and acting on the answer: ready (the
 * `task.ready` event is returned), `Waiting`, or `Failed` with a message saying what to fix.
 * Shared by task-intake (one ApiServerSource event) and resync (a listed Task).
 *
 * The event may be late or duplicated: when the index cannot vouch for the Task's uid, the
 * record is read, and an event for a Task that is gone or was recreated under its name is
 * ignored; the Task as read then replaces the event's copy.
 */
import type { CloudEvent } from 'cloudevents';
import { PermanentError } from '../errors.js';
import type { TaskReadyData } from '../events/types.js';
import type { RegisterInput, TaskEntry } from '../store/store.js';
import type { Task } from '../task/model.js';
import { templateDialectOf, validateTask } from '../task/validate.js';
import { TemplateError } from '../template/errors.js';
import type { ReferencedDependencies } from '../template/renderer.js';
import { countCompleted } from './count.js';
import { expireTask, isDue } from './expiry.js';
import type { FlowContext, FlowDeps } from './deps.js';
import { failDependents, failTask, markFailed, type TaskIdentity } from './fail.js';
import { releaseTasks } from './ready.js';
import { templateFailureMessage } from './render.js';
import { mayAdvance, updateStatus } from './status.js';
import { recordTaskEvent } from './task-events.js';

/** A Waiting message names at most this many dependencies (10,000 would make a 100 KB status). */
export const MAX_NAMED_PENDING = 20;

/** Who an event is about, even when the rest of the Task is invalid. */
export type { TaskIdentity };

/** Whose Job is it: the uid of its controlling Task owner. */
function jobOwnerUid(job: { metadata?: { ownerReferences?: Array<{ kind?: string; uid?: string; controller?: boolean }> } } | null): string | undefined {
  const owners = job?.metadata?.ownerReferences ?? [];
  return (owners.find((o) => o.kind === 'Task' && o.controller) ?? owners.find((o) => o.kind === 'Task'))?.uid;
}

/**
 * What the cluster already records, so a rebuilt index neither re-runs nor forgets.
 * `Pending` is written before the Job is created: when the index is being rebuilt (it cannot
 * say whether the Job was made), the Job itself is asked; without one the Task registers
 * afresh and is launched, once, when its dependencies allow.
 */
async function observedState(deps: FlowDeps, task: Task, rebuilding: boolean): Promise<RegisterInput['observed']> {
  switch (task.status?.phase) {
    case 'Succeeded':
      return { phase: 'Succeeded', outputs: task.status.outputs ?? null, results: task.status.results ?? null, response: task.status.response ?? '' };
    case 'Failed':
      return { phase: 'Failed', message: task.status.message ?? 'Task failed' };
    case 'Pending':
      if (rebuilding && jobOwnerUid(await deps.cluster.getJob(task.metadata.namespace, task.metadata.name)) !== task.metadata.uid) {
        return undefined;
      }
      return { phase: 'Launched' };
    case 'Running':
      return { phase: 'Launched' };
    default:
      return undefined;
  }
}

function createdMessage(dependsOn: string[]): string {
  if (dependsOn.length === 0) return 'Task registered; no dependencies';
  return `Task registered; depends on ${namedList(dependsOn)}`;
}

/** Names, shortened to the first MAX_NAMED_PENDING and a count of the rest. */
export function namedList(names: string[]): string {
  if (names.length <= MAX_NAMED_PENDING) return names.join(', ');
  return `${names.slice(0, MAX_NAMED_PENDING).join(', ')} and ${names.length - MAX_NAMED_PENDING} more`;
}

/** `deleted`: those of `pending` deleted before this Task was registered (they must be created again). */
export function waitingMessage(pending: string[], deleted: string[] = []): string {
  const waiting =
    pending.length <= MAX_NAMED_PENDING
      ? `Waiting for dependencies: ${pending.join(', ')}`
      : `Waiting for ${pending.length} dependencies: ${namedList(pending)}`;
  if (deleted.length === 0) return waiting;
  const one = deleted.length === 1;
  return (
    `${waiting} — ${namedList(deleted)} ${one ? 'was' : 'were'} deleted before this Task was created; ` +
    `it goes on when a new Task of ${one ? 'that name is' : 'each name is'} created and succeeds`
  );
}

function alreadyFailedWith(data: Record<string, unknown>, message: string): boolean {
  const status = (data.status ?? {}) as Record<string, unknown>;
  return status.phase === 'Failed' && status.message === message;
}

export interface IntakeResult {
  /** The event to send when the Task is ready to launch. */
  ready?: CloudEvent<TaskReadyData>;
  /** What happened, for logs and resync's report. */
  outcome: 'ignored' | 'invalid' | 'refreshed' | 'settled' | 'ready' | 'waiting' | 'failed';
}

/**
 * `data` is the Task object (the event's copy, or one just read). Throws PermanentError for a
 * Task that is invalid (after marking it Failed), TransientError when Redis or the API fails.
 */
export async function intakeTask(
  deps: FlowDeps,
  context: FlowContext,
  identity: TaskIdentity,
  data: Record<string, unknown>,
): Promise<IntakeResult> {
  const { namespace, name, uid } = identity;
  let validation = validateTask(data);
  if (!validation.ok) {
    // Failing a Task on an event's word would let anyone who can send one fail any Task:
    // the record decides. (Invalid Tasks are rare; the read costs nothing on the hot path.)
    const current = await deps.cluster.getTask(namespace, name);
    if (!current || current.metadata.uid !== uid) {
      context.log.info('invalid Task in the event, and no such Task in the cluster; ignored');
      return { outcome: 'ignored' };
    }
    const recorded = validateTask(current);
    if (recorded.ok) {
      context.log.warn('the event carried an invalid copy of a valid Task; the Task as stored is used');
      return intakeTask(deps, context, identity, current as unknown as Record<string, unknown>);
    }
    const message = `invalid Task: ${recorded.errors.join('; ')}`;
    // Our own Failed patch comes back as an update: already answered, nothing more to say.
    if (alreadyFailedWith(current as unknown as Record<string, unknown>, message)) return { outcome: 'invalid' };
    await failTask(deps, context, identity, message, 'InvalidTask');
    // The Task is marked Failed; the 4xx tells the sender the event carried an unusable Task.
    throw new PermanentError(message);
  }

  const entry: TaskEntry | null = await deps.store.get(namespace, name);
  const rebuilding = !entry || entry.uid !== uid;
  let read: Task | undefined;
  if (rebuilding) {
    // The index cannot vouch for this incarnation: the record decides.
    const current = await deps.cluster.getTask(namespace, name);
    if (!current) {
      context.log.info('Task no longer exists; not registered');
      return { outcome: 'ignored' };
    }
    if (current.metadata.uid !== uid) {
      context.log.info({ current: current.metadata.uid }, 'event for an earlier incarnation of the Task; ignored');
      return { outcome: 'ignored' };
    }
    validation = validateTask(current);
    if (!validation.ok) return intakeTask(deps, context, identity, current as unknown as Record<string, unknown>);
    read = current;
  }
  const task = validation.task;
  const dependsOn = task.spec.dependsOn ?? [];
  const dialect = templateDialectOf(task);
  const observed = await observedState(deps, task, rebuilding);

  // What the prompt reads; a template that does not parse fails the Task now, before any
  // dependency spends anything on a Task that could never render.
  let referenced: ReferencedDependencies | undefined;
  if (dependsOn.length > 0) {
    try {
      referenced = await deps.renderer.inspect(task.spec.prompt, dialect, deps.config.renderLimits);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      if (!observed) {
        const message = templateFailureMessage(err);
        if (!alreadyFailedWith(task as unknown as Record<string, unknown>, message)) {
          await failTask(deps, context, identity, message, 'TemplateFailed');
        }
        return { outcome: 'failed' };
      }
      // Rebuilding a launched or finished Task: nothing will render it; every dependency is kept.
    }
  }

  // A Task no function has written a status to, unknown to the index under this uid: this is
  // its first sighting, so `kubectl describe` gets one TaskCreated (best-effort).
  const unseen = !observed && !task.status?.phase && rebuilding;
  const needs = neededDependencies(referenced, dependsOn);
  const createdAt = Date.parse(task.metadata.creationTimestamp ?? '');
  const outcome = await deps.store.register({
    namespace,
    name,
    uid,
    dependsOn,
    template: task.spec.prompt,
    dialect,
    needs,
    observed,
    ...(Number.isNaN(createdAt) ? {} : { createdAt }),
  });
  // A Task the cluster already records as launched or finished only refreshes the index
  // (after a Redis wipe); acting again would echo our own status patches back forever.
  if (observed) {
    // A finished Task's own update event (or resync's re-registration) finds it due: expire it.
    if (isDue(task, deps.now())) await expireTask(deps, context, identity);
    return { outcome: 'refreshed' };
  }
  if (unseen && outcome.kind !== 'settled') {
    await recordTaskEvent(deps, context, identity, { type: 'Normal', reason: 'TaskCreated', message: createdMessage(dependsOn) });
  }

  switch (outcome.kind) {
    case 'settled':
      return { outcome: 'settled' };
    case 'ready': {
      const [ready] = await releaseTasks(deps, context, namespace, [outcome.task]);
      return ready ? { outcome: 'ready', ready } : { outcome: 'failed' };
    }
    case 'waiting': {
      const message = waitingMessage(outcome.pending, outcome.deleted);
      if (task.status?.phase === 'Waiting' && task.status.message === message) return { outcome: 'waiting' };
      const { task: current, written } = await updateStatus(
        deps,
        context,
        identity,
        (t) => (mayAdvance(t.status?.phase, 'Waiting') && t.status?.message !== message ? { phase: 'Waiting', message } : null),
        { read },
      );
      if (written && current?.status?.phase !== 'Waiting') {
        await recordTaskEvent(deps, context, identity, { type: 'Normal', reason: 'TaskWaiting', message });
      }
      return { outcome: 'waiting' };
    }
    case 'failed':
      if (!alreadyFailedWith(task as unknown as Record<string, unknown>, outcome.message)) {
        if (await markFailed(deps, context, identity, outcome.message, 'DependencyFailed')) {
          countCompleted(deps, namespace, 'Failed', 1 + outcome.dependents.length);
        }
      }
      await failDependents(deps, context, namespace, outcome.dependents);
      return { outcome: 'failed' };
  }
}

/**
 * The dependencies whose data the prompt reads, for the store to hand back when the Task is
 * released (undefined = all of them), so that releasing it costs O(what the prompt reads).
 * `referenced` is what the renderer's inspection found (undefined when it could not tell).
 * Never empty for a Task with dependencies: a ready Task's prompt is rendered as a template
 * only when it comes with dependency data (render.ts), so one record is kept.
 */
export function neededDependencies(referenced: ReferencedDependencies | undefined, dependsOn: string[]): string[] | undefined {
  if (dependsOn.length === 0 || referenced === undefined || referenced === 'all') return undefined;
  const declared = new Set(dependsOn);
  const known = referenced.filter((d) => declared.has(d));
  return known.length > 0 ? known : [dependsOn[0]!];
}
