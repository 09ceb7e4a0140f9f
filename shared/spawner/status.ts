/**
 * Recording a pass over a spawner in its status, read-modify-write with the resourceVersion as
 * precondition: two instances recording at once both count (the loser reads again and adds its
 * own), and a cursor never moves backwards.
 */
import { ConflictError } from '../cluster/cluster.js';
import type { TaskSpawner, TaskSpawnerStatus } from './model.js';
import type { SpawnerCluster } from './port.js';

export interface PassRecord {
  /** Items the pass found; absent keeps the last pass's count (a release is no discovery). */
  discovered?: number;
  created: number;
  /** The new cursor (lastDiscoveryTime), when the pass moved it. */
  discoveredAt?: string;
  /** What the pass says; the last failure when one item failed. */
  message?: string;
  failed?: boolean;
  activeTasks?: number;
}

/** Passes racing over one spawner (a burst of deliveries) each get through within these. */
const ATTEMPTS = 12;

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

function nextStatus(current: TaskSpawnerStatus, pass: PassRecord): TaskSpawnerStatus {
  const totalTasksCreated = (current.totalTasksCreated ?? 0) + pass.created;
  const totalDiscovered = pass.discovered ?? current.totalDiscovered ?? 0;
  const status: TaskSpawnerStatus = {
    phase: pass.failed ? 'Failed' : 'Running',
    totalDiscovered,
    totalTasksCreated,
    lastDiscoveryTime: later(current.lastDiscoveryTime, pass.discoveredAt),
    message: pass.message ?? `Discovered ${totalDiscovered} items, created ${totalTasksCreated} tasks total`,
  };
  if (pass.activeTasks !== undefined) status.activeTasks = pass.activeTasks;
  return status;
}

/** Throws TransientError when the API is down or the spawner keeps changing under us. */
export async function recordPass(cluster: SpawnerCluster, spawner: TaskSpawner, pass: PassRecord): Promise<void> {
  let current: TaskSpawner | null = spawner;
  for (let attempt = 1; current; attempt++) {
    try {
      await cluster.patchTaskSpawnerStatus(current.metadata.namespace, current.metadata.name, nextStatus(current.status ?? {}, pass), {
        resourceVersion: current.metadata.resourceVersion,
      });
      return;
    } catch (err) {
      if (!(err instanceof ConflictError) || attempt >= ATTEMPTS) throw err;
      // A little apart, so that racing writers do not collide again in step.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
      current = await cluster.getTaskSpawner(spawner.metadata.namespace, spawner.metadata.name);
    }
  }
}
