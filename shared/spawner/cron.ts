/**
 * Cron schedules, five fields in UTC, as Axon parses them (robfig/cron's standard parser:
 * minute hour day-of-month month day-of-week; day-of-month and day-of-week OR-ed when both are
 * restricted). Parsing and stepping are croner's; this module adds the five-field rule, the
 * catch-up bound and the names of due ticks.
 */
import { Cron } from 'croner';

export class CronScheduleError extends Error {
  override readonly name = 'CronScheduleError';
}

export interface Schedule {
  /** The first tick strictly after `after`, or null when there is none. */
  next(after: Date): Date | null;
  /** The newest `n` ticks at or before `until`, newest first. */
  latest(n: number, until: Date): Date[];
}

/**
 * A field holding a whole `*` (or `?`, or `*` stepped by 1) in its list is "*" to robfig — it allows every
 * value, and it counts as unrestricted when day-of-month and day-of-week are combined. croner
 * counts only a field that is exactly `*`, so such fields are written as `*` first.
 */
function normalised(field: string): string {
  return field.split(',').some((part) => part === '*' || part === '?' || part === '*/1') ? '*' : field;
}

/** Throws CronScheduleError with what is wrong. */
export function parseSchedule(expression: string): Schedule {
  const fields = expression.trim().split(/\s+/);
  if (expression.trim().startsWith('@')) {
    throw new CronScheduleError(`cron schedule ${JSON.stringify(expression)}: descriptors such as @daily are not accepted; write the five fields`);
  }
  if (fields.length !== 5) {
    throw new CronScheduleError(`cron schedule ${JSON.stringify(expression)}: expected 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}`);
  }
  let cron: Cron;
  try {
    cron = new Cron(fields.map(normalised).join(' '), { timezone: 'UTC', paused: true, legacyMode: true });
  } catch (err) {
    throw new CronScheduleError(`cron schedule ${JSON.stringify(expression)}: ${(err as Error).message.replace(/^CronPattern: /, '')}`);
  }
  return { next: (after) => cron.nextRun(after), latest: (n, until) => cron.previousRuns(n, new Date(until.getTime() + 1)) };
}

export interface DueTicks {
  /** Oldest first, at most `max` of them: the newest ones when more were due. */
  ticks: Date[];
  /** Whether older due ticks were left out by the bound. */
  skipped: boolean;
}

/** Every tick in (after, until], bounded: a spawner down for a week does not make a week of Tasks. */
export function dueTicks(schedule: Schedule, after: Date, until: Date, max: number): DueTicks {
  // Walked back from `until`: however long the gap, no more than max + 1 ticks are computed.
  const due = schedule.latest(max + 1, until).filter((t) => t.getTime() > after.getTime());
  const ticks = due.slice(0, max).reverse();
  return { ticks, skipped: due.length > max };
}

/** `yyyymmdd-hhmm` in UTC: the part of a spawned Task's name that names its tick (Axon's format). */
export function tickId(tick: Date): string {
  const iso = tick.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}`;
}
