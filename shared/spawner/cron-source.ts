/** `when.cron`: the ticks due since the spawner's cursor, each a work item named `yyyymmdd-hhmm`. */
import { CronScheduleError, dueTicks, parseSchedule, tickId } from './cron.js';
import type { WorkItem } from './item.js';
import type { TaskSpawner } from './model.js';

export interface Discovery {
  items: WorkItem[];
  /** How many items the source found (items holds only those not yet spawned); items.length when absent. */
  discovered?: number;
  /** The cursor to record once every item is spawned. */
  discoveredAt?: string;
  /** Said in the status (a schedule that cannot run, ticks skipped). */
  note?: string;
  /** The spawner cannot run as written: status Failed. */
  broken?: boolean;
}

export function discoverCronTicks(spawner: TaskSpawner, now: Date, maxCatchUp: number): Discovery {
  const schedule = spawner.spec.when.cron!.schedule;
  let parsed;
  try {
    parsed = parseSchedule(schedule);
  } catch (err) {
    if (err instanceof CronScheduleError) return { items: [], note: err.message, broken: true };
    throw err;
  }
  // From the last pass, or from the spawner's creation: a new spawner does not make past ticks.
  const cursor = new Date(spawner.status?.lastDiscoveryTime ?? spawner.metadata.creationTimestamp ?? now.toISOString());
  const due = dueTicks(parsed, cursor, now, maxCatchUp);
  const items = due.ticks.map((tick) => ({ id: tickId(tick), title: tick.toISOString(), time: tick.toISOString(), schedule }));
  const note = due.skipped ? `more than ${maxCatchUp} ticks were due since ${cursor.toISOString()}: only the newest ${maxCatchUp} made Tasks` : undefined;
  return { items, discoveredAt: now.toISOString(), note };
}
