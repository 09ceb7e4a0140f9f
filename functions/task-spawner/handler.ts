/**
 * task-spawner: TaskSpawners as rules over events, not loops. A PingSource tick evaluates every
 * cron spawner (and lists GitHub for the GitHub ones whose pollInterval has passed); any other
 * event reaching it is offered to the cloudEvent spawners (and GitHub deliveries to the GitHub
 * ones). Every item makes its Task at most once, by name.
 */
import type { CloudEvent } from 'cloudevents';
import type { HandlerContext } from '../../shared/http/function-app.js';
import { eventItem, matchesCloudEvent } from '../../shared/spawner/cloud-event.js';
import { discoverCronTicks, type Discovery } from '../../shared/spawner/cron-source.js';
import { discoverDelivery, discoverGitHubIssues, GITHUB_ISSUES_EVENT, GITHUB_PULL_REQUEST_EVENT, readDelivery, type GitHubAccess } from '../../shared/spawner/github-source.js';
import { pollIntervalMs, SPAWNER_LABEL, sourceOf, type TaskSpawner } from '../../shared/spawner/model.js';
import type { Cluster } from '../../shared/cluster/cluster.js';
import { reconcileSlots, releaseFinished, releaseGone } from '../../shared/spawner/concurrency.js';
import type { SpawnerSlots } from '../../shared/spawner/slots.js';
import { TASKSPAWNER_EXTENSION, type TaskFailedData } from '../../shared/events/types.js';
import { PermanentError, RefusedEventError } from '../../shared/errors.js';
import { isTerminal } from '../../shared/flow/status.js';
import { runPass, type PassDeps } from '../../shared/spawner/pass.js';
import type { RecentSpawners } from '../../shared/spawner/recent-list.js';

export interface TaskSpawnerOptions {
  /** The namespaces whose TaskSpawners this installation runs. */
  namespaces: string[];
  /** How old the list of TaskSpawners an event is offered to may be (default RECENT_SPAWNERS_MAX_AGE_MS). */
  spawnerListMaxAgeMs?: number;
  /** Most missed cron ticks one pass catches up (the newest ones). */
  maxCatchUp: number;
}

export const DEFAULT_MAX_CATCH_UP = 10;

export interface SpawnerHandlerDeps extends Omit<PassDeps, 'log' | 'cluster' | 'slots'> {
  cluster: Pick<Cluster, 'createTask' | 'getTask' | 'getWorkspace'>;
  github: GitHubAccess;
  slots: SpawnerSlots;
  now: () => Date;
}

/** A GitHub spawner is listed when it never was, or pollInterval has passed since. */
function listingDue(spawner: TaskSpawner, now: Date): boolean {
  const last = spawner.status?.lastDiscoveryTime;
  return !last || now.getTime() - Date.parse(last) >= pollIntervalMs(spawner.spec.pollInterval);
}

/** `spawnerList`: the TaskSpawners of options.namespaces, shared with the event handler. */
export function createTickHandler(deps: SpawnerHandlerDeps, options: TaskSpawnerOptions, spawnerList: RecentSpawners) {
  let inProgress = false;
  return async function handleTick(_event: CloudEvent<unknown>, context: HandlerContext): Promise<void> {
    if (inProgress) {
      context.log.info('a spawner pass is in progress; this tick is skipped');
      return;
    }
    inProgress = true;
    try {
      const now = deps.now();
      const passDeps = { ...deps, log: context.log };
      for (const spawner of await spawnerList.fresh()) {
        const source = sourceOf(spawner);
        if (source === 'cron') await runPass(passDeps, spawner, discoverCronTicks(spawner, now, options.maxCatchUp));
        if (source === 'githubIssues' && listingDue(spawner, now)) await runPass(passDeps, spawner, await discoverGitHubIssues(deps, spawner, now));
        // A cloudEvent spawner has nothing to discover on a tick; its status says what it waits for.
        if (source === 'cloudEvent' && !spawner.status?.phase) {
          await runPass(passDeps, spawner, { items: [], note: `waiting for ${spawner.spec.when.cloudEvent!.type} events` });
        }
        if ((spawner.spec.maxConcurrency ?? 0) > 0) await reconcileSlots(passDeps, (await deps.spawners.getTaskSpawner(spawner.metadata.namespace, spawner.metadata.name)) ?? spawner);
      }
    } finally {
      inProgress = false;
    }
  };
}

/**
 * Offers one event to each spawner in turn: one spawner's trouble does not keep the event from
 * the others. A spawner that cannot take it for good (a PermanentError: its Workspace, its
 * token) is skipped with a warning — the tick's pass reports it in its status; a transient one
 * is answered once the others had their turn, so the broker redelivers (making an item is
 * idempotent, by name).
 */
async function offerToEach(spawners: TaskSpawner[], log: HandlerContext['log'], offer: (spawner: TaskSpawner) => Promise<void>): Promise<void> {
  let retry: unknown;
  for (const spawner of spawners) {
    try {
      await offer(spawner);
    } catch (err) {
      if (!(err instanceof PermanentError)) retry ??= err;
      else log.warn({ spawner: spawner.metadata.name, namespace: spawner.metadata.namespace, err: err.message }, 'this TaskSpawner could not take the event');
    }
  }
  if (retry !== undefined) throw retry;
}

export function createEventHandler(deps: SpawnerHandlerDeps, spawnerList: RecentSpawners) {
  /**
   * The list only chooses who is offered the event; the pass runs on the spawner as it is now,
   * so its status write does not start from a copy up to 2 s old (a resourceVersion conflict).
   */
  const passOn = async (context: HandlerContext, listed: TaskSpawner, discovery: Discovery) => {
    const spawner = await deps.spawners.getTaskSpawner(listed.metadata.namespace, listed.metadata.name);
    if (spawner) await runPass({ ...deps, log: context.log }, spawner, discovery);
  };
  return async function handleEvent(event: CloudEvent<unknown>, context: HandlerContext): Promise<void> {
    if (event.type === GITHUB_ISSUES_EVENT || event.type === GITHUB_PULL_REQUEST_EVENT) {
      const delivery = readDelivery(event.type, event.data);
      if (!delivery) {
        context.log.info('a GitHub delivery without an issue or pull request and its repository; nothing to spawn');
        return;
      }
      const watching = (await spawnerList.recent()).filter((s) => sourceOf(s) === 'githubIssues');
      await offerToEach(watching, context.log, async (spawner) => {
        const discovery = await discoverDelivery(deps, spawner, delivery);
        if (discovery) await passOn(context, spawner, discovery);
      });
      return;
    }
    const matching = (await spawnerList.recent()).filter(
      (s) => sourceOf(s) === 'cloudEvent' && matchesCloudEvent(s.spec.when.cloudEvent!, event),
    );
    if (matching.length === 0) {
      context.log.info('no TaskSpawner takes this event');
      return;
    }
    await offerToEach(matching, context.log, (spawner) => passOn(context, spawner, { items: [eventItem(event)] }));
  };
}

/**
 * One of the spawner's Tasks ended (task.succeeded / task.failed): its slot goes to the oldest
 * item waiting over maxConcurrency at once, not at the next poll. Only outcomes carrying the
 * `taskspawner` extension concern a spawner (every other Task's costs nothing), and a slot is
 * freed on the record's word, not the event's: the Task must be that incarnation, that
 * spawner's, and ended. A Task already gone (a time to live of 0) frees its slot, if it held one.
 */
export function createCompletionHandler(deps: SpawnerHandlerDeps, options: TaskSpawnerOptions) {
  return async function handleCompletion(event: CloudEvent<unknown>, context: HandlerContext): Promise<void> {
    const spawnerName = (event as unknown as Record<string, unknown>)[TASKSPAWNER_EXTENSION];
    if (typeof spawnerName !== 'string' || spawnerName === '') return;
    const data = (event.data ?? {}) as Partial<TaskFailedData>;
    if (typeof data.namespace !== 'string' || typeof data.name !== 'string' || !options.namespaces.includes(data.namespace)) return;
    const { namespace, name } = data as { namespace: string; name: string };
    const spawner = await deps.spawners.getTaskSpawner(namespace, spawnerName);
    if (!spawner || !((spawner.spec.maxConcurrency ?? 0) > 0)) return;
    const passDeps = { ...deps, log: context.log };
    const task = await deps.cluster.getTask(namespace, name);
    if (!task) return releaseGone(passDeps, spawner, name);
    if (task.metadata.uid !== data.uid || task.metadata.labels?.[SPAWNER_LABEL] !== spawnerName) {
      context.log.info({ task: name, namespace, spawner: spawnerName }, 'the outcome is of another Task than the one under that name; its slot is left to the repair');
      return;
    }
    if (!isTerminal(task.status?.phase)) {
      throw new RefusedEventError('not-finished', `refused: ${namespace}/${name} has not ended (phase ${task.status?.phase ?? 'none'}); its slot stays taken`);
    }
    await releaseFinished(passDeps, spawner, name);
  };
}
