/**
 * Cron schedules: croner (through parseSchedule) against a brute-force reference that matches
 * every minute against the five fields as Vixie cron / robfig read them, for many generated
 * expressions; the catch-up bound; tick names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CronScheduleError, dueTicks, parseSchedule, tickId } from '../../shared/spawner/cron.js';

const RANGES: Array<[number, number]> = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];

/** The values one field allows, read the plain way: lists of `*`, `n`, `a-b`, each with an optional `/step`. */
function allowed(field: string, [lo, hi]: [number, number]): Set<number> {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText ? Number(stepText) : 1;
    let [from, to] = range === '*' ? [lo, hi] : range!.includes('-') ? range!.split('-').map(Number) : [Number(range), Number(range)];
    if (stepText && !range!.includes('-') && range !== '*') to = hi; // `n/step`: from n to the end
    for (let v = from!; v <= to!; v += step) values.add(v === 7 && hi === 6 ? 0 : v);
  }
  return values;
}

/** The minute matching, split so whole days and hours that cannot match are stepped over. */
function reference(expression: string) {
  const fields = expression.split(' ');
  const [minute, hour, dom, month, dow] = fields.map((f, i) => allowed(f, RANGES[i]!)) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  // robfig: a field is unrestricted when one of its parts is `*` with no step above 1.
  const star = (field: string) => field.split(',').some((p) => p === '*' || p === '*/1');
  const domStar = star(fields[2]!);
  const dowStar = star(fields[4]!);
  const dayMatches = (t: Date) => {
    if (!month.has(t.getUTCMonth() + 1)) return false;
    const domOk = dom.has(t.getUTCDate());
    const dowOk = dow.has(t.getUTCDay());
    // Day-of-month and day-of-week are OR-ed when both are restricted.
    if (domStar || dowStar) return (domStar || domOk) && (dowStar || dowOk);
    return domOk || dowOk;
  };
  return { dayMatches, hourMatches: (t: Date) => hour.has(t.getUTCHours()), minuteMatches: (t: Date) => minute.has(t.getUTCMinutes()) };
}

function referenceNext(expression: string, after: Date, horizonMinutes: number): Date | null {
  const { dayMatches, hourMatches, minuteMatches } = reference(expression);
  const end = after.getTime() + horizonMinutes * 60_000;
  let t = Math.floor(after.getTime() / 60_000) * 60_000 + 60_000;
  while (t <= end) {
    const d = new Date(t);
    if (!dayMatches(d)) t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
    else if (!hourMatches(d)) t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
    else if (!minuteMatches(d)) t += 60_000;
    else return d;
  }
  return null;
}

function fieldArbitrary([lo, hi]: [number, number]): fc.Arbitrary<string> {
  const value = fc.integer({ min: lo, max: hi });
  const range = fc.tuple(value, value).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`);
  const step = fc.integer({ min: 1, max: Math.max(1, Math.floor((hi - lo) / 2)) });
  const item = fc.oneof(
    value.map(String),
    range,
    fc.tuple(range, step).map(([r, s]) => `${r}/${s}`),
    step.map((s) => `*/${s}`),
  );
  return fc.oneof({ weight: 2, arbitrary: fc.constant('*') }, { weight: 5, arbitrary: fc.array(item, { minLength: 1, maxLength: 3 }).map((items) => items.join(',')) });
}

const expression = fc.tuple(...RANGES.map(fieldArbitrary)).map((fields) => fields.join(' '));

test('the next tick agrees with minute-by-minute matching, for 400 generated expressions', () => {
  fc.assert(
    fc.property(expression, fc.date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true }), (expr, from) => {
      const schedule = parseSchedule(expr);
      let cursor = from;
      // Three ticks in a row, within 2 years of minutes (every generated expression fires within that, or never).
      for (let i = 0; i < 3; i++) {
        const expected = referenceNext(expr, cursor, 2 * 366 * 24 * 60);
        const actual = schedule.next(cursor);
        if (expected === null) {
          assert.ok(actual === null || actual.getTime() - cursor.getTime() > 2 * 365 * 24 * 3600_000, `${expr} after ${cursor.toISOString()}`);
          return;
        }
        assert.equal(actual?.toISOString(), expected.toISOString(), `${expr} after ${cursor.toISOString()}`);
        cursor = expected;
      }
    }),
    { numRuns: 400, seed: 14 },
  );
});

test('schedules Axon\'s parser refuses are refused, saying why', () => {
  for (const [expr, why] of [
    ['* * * *', /expected 5 fields .* found 4/],
    ['0 0 * * * *', /expected 5 fields .* found 6/],
    ['@daily', /descriptors/],
    ['61 * * * *', /minute/],
    ['* 24 * * *', /hour/],
    ['* * 32 * *', /day/],
    ['* * * 13 *', /month/],
    ['nonsense a b c d', /./],
  ] as const) {
    assert.throws(() => parseSchedule(expr), (err: Error) => err instanceof CronScheduleError && why.test(err.message), expr);
  }
});

test('due ticks: every one in (after, until], oldest first; past the bound only the newest, said so', () => {
  const hourly = parseSchedule('0 * * * *');
  const after = new Date('2026-12-01T09:00:00Z');
  const none = dueTicks(hourly, after, new Date('2026-12-01T09:59:59Z'), 10);
  assert.deepEqual(none, { ticks: [], skipped: false }, 'the cursor\'s own tick is not due again');
  const three = dueTicks(hourly, after, new Date('2026-12-01T12:00:00Z'), 10);
  assert.deepEqual(three.ticks.map(tickId), ['20261201-1000', '20261201-1100', '20261201-1200']);
  assert.equal(three.skipped, false);
  // A week down: 168 ticks due, 10 made — the newest.
  const week = dueTicks(hourly, after, new Date('2026-12-08T09:00:00Z'), 10);
  assert.equal(week.ticks.length, 10);
  assert.equal(week.skipped, true);
  assert.equal(tickId(week.ticks.at(-1)!), '20261208-0900');
  assert.equal(tickId(week.ticks[0]!), '20261208-0000');
  // Exactly at the bound: nothing skipped.
  assert.equal(dueTicks(hourly, after, new Date('2026-12-01T19:00:00Z'), 10).skipped, false);
});

test('tick names are yyyymmdd-hhmm in UTC, as Axon names them', () => {
  assert.equal(tickId(new Date('2026-03-09T07:05:00Z')), '20260309-0705');
  assert.equal(tickId(new Date('2026-12-31T23:59:00.000Z')), '20261231-2359');
});
