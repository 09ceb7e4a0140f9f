/**
 * Releasing maxConcurrency's slots: at once when a spawned Task ends (task.succeeded /
 * task.failed), and level-triggered on the tick — a Task that ended while its event was lost,
 * was deleted, or an admitted item whose Task was never created (a crash in between) — so a
 * slot never leaks and a waiting item never waits for the next poll.
 */
import type { Logger } from 'pino';
import type { Cluster, NewTask } from '../cluster/cluster.js';
import type { TaskSpawner } from './model.js';
import type { SpawnerCluster } from './port.js';
import type { SpawnerSlots } from './slots.js';
import { recordPass } from './status.js';

export interface ConcurrencyDeps {
  cluster: Pick<Cluster, 'createTask' | 'getTask'>;
  spawners: SpawnerCluster;
  slots: SpawnerSlots;
  log: Logger;
}

const limitOf = (spawner: TaskSpawner) => spawner.spec.maxConcurrency ?? 0;

/** Creates the Tasks given (their slots are theirs already); returns how many were new. */
async function createAdmitted(deps: ConcurrencyDeps, spawner: TaskSpawner, tasks: NewTask[]): Promise<number> {
  let created = 0;
  for (const task of tasks) {
    if ((await deps.cluster.createTask(task)).result === 'created') created++;
    await deps.slots.confirm(spawner.metadata.namespace, spawner.metadata.name, task.metadata.name);
    deps.log.info({ spawner: spawner.metadata.name, task: task.metadata.name }, 'spawned a waiting Task: a slot was freed');
  }
  return created;
}

async function record(deps: ConcurrencyDeps, spawner: TaskSpawner, created: number): Promise<void> {
  const activeTasks = await deps.slots.active(spawner.metadata.namespace, spawner.metadata.name);
  await recordPass(deps.spawners, spawner, { created, activeTasks });
}

/** One of the spawner's Tasks ended. */
export async function releaseFinished(deps: ConcurrencyDeps, spawner: TaskSpawner, taskName: string): Promise<void> {
  const { namespace, name } = spawner.metadata;
  const freed = await deps.slots.release(namespace, name, taskName, limitOf(spawner));
  await record(deps, spawner, await createAdmitted(deps, spawner, freed));
}

/**
 * A spawned Task that is gone (deleted, or expired at once by a time to live of 0) holds no
 * slot any more — unless its creation is not confirmed yet, which the tick's repair finishes.
 * Touches that one slot only, whatever the event that led here says.
 */
export async function releaseGone(deps: ConcurrencyDeps, spawner: TaskSpawner, taskName: string): Promise<void> {
  const state = await deps.slots.state(spawner.metadata.namespace, spawner.metadata.name);
  if (!state.active.includes(taskName) || state.pending.some((p) => p.name === taskName)) return;
  await releaseFinished(deps, spawner, taskName);
}

/** The tick's repair: every slot held by a Task that is over, gone, or not created yet. */
export async function reconcileSlots(deps: ConcurrencyDeps, spawner: TaskSpawner): Promise<void> {
  const { namespace, name } = spawner.metadata;
  const state = await deps.slots.state(namespace, name);
  const kept = new Map(state.pending.map((p) => [p.name, p.task]));
  let created = 0;
  for (const taskName of state.active) {
    const task = await deps.cluster.getTask(namespace, taskName);
    const phase = task?.status?.phase;
    if (!task && kept.has(taskName)) created += await createAdmitted(deps, spawner, [kept.get(taskName)!]);
    else if (!task || phase === 'Succeeded' || phase === 'Failed') {
      created += await createAdmitted(deps, spawner, await deps.slots.release(namespace, name, taskName, limitOf(spawner)));
    }
  }
  await record(deps, spawner, created);
}
