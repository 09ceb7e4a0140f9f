/**
 * One pass over one spawner: spawn every item discovered, then record it in the status. Items
 * are spawned one by one; a transient failure stops the pass before the cursor moves (the
 * broker retries, and what was made already is AlreadyExists then).
 */
import type { Logger } from 'pino';
import { NotFoundError } from '../errors.js';
import type { Discovery } from './cron-source.js';
import type { TaskSpawner } from './model.js';
import type { SpawnerCluster } from './port.js';
import { spawnTask, type SpawnDeps, type SpawnOutcome } from './spawn.js';
import { recordPass } from './status.js';

export interface PassDeps extends SpawnDeps {
  spawners: SpawnerCluster;
  log: Logger;
}

export async function runPass(deps: PassDeps, spawner: TaskSpawner, discovery: Discovery): Promise<SpawnOutcome[]> {
  const outcomes: SpawnOutcome[] = [];
  for (const item of discovery.items) {
    const outcome = await spawnTask(deps, spawner, item);
    outcomes.push(outcome);
    if (outcome.result === 'created') deps.log.info({ spawner: spawner.metadata.name, namespace: spawner.metadata.namespace, task: outcome.name }, 'spawned Task');
    if (outcome.result === 'failed') deps.log.warn({ spawner: spawner.metadata.name, task: outcome.name, reason: outcome.message }, 'spawn failed');
  }
  const failure = outcomes.find((o) => o.result === 'failed');
  try {
    await recordPass(deps.spawners, spawner, {
      discovered: discovery.discovered ?? discovery.items.length,
      created: outcomes.filter((o) => o.result === 'created').length,
      discoveredAt: discovery.discoveredAt,
      failed: discovery.broken === true,
      message: discovery.note ?? (failure && failure.result === 'failed' ? `${failure.name}: ${failure.message}` : undefined),
    });
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err; // deleted meanwhile: its Tasks go with it
  }
  return outcomes;
}
