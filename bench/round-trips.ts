/**
 * Redis round trips per completion event, counted on the server with MONITOR: every command
 * a client sends is one line; commands a Lua script runs are marked `lua` and are not round
 * trips. Counted for a first (non-releasing) completion and for the last one, which releases
 * the root, at each width.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { CloudEvent } from 'cloudevents';
import { COMPLETE_LUA } from '../shared/store/lua/complete.js';
import { LAUNCH_LUA } from '../shared/store/lua/launch.js';
import { REGISTER_LUA } from '../shared/store/lua/register.js';
import { REMOVE_LUA } from '../shared/store/lua/remove.js';
import { startBenchEngine } from './support/engine.js';
import { setupFanIn } from './support/fan-in-setup.js';
import { createPoster, type Poster } from './support/http.js';
import { isMain, printSection } from './support/main.js';
import { table, verdict } from './support/stats.js';

export interface RoundTripRow {
  width: number;
  /** Commands for the first completion (one that releases nothing); null at N=1. */
  first: string[] | null;
  /** Commands for the last completion (releases the root). */
  last: string[];
}

export interface RoundTripResult {
  rows: RoundTripRow[];
  max: number;
}

export const FULL_ROUND_TRIPS = { widths: [1, 10, 100, 1000, 10_000] };

interface MonitorLine {
  args: string[];
  source: string;
}

/**
 * MONITOR lines arrive a little after the commands ran: a marker (ECHO through the store's own
 * connection) that has come back through MONITOR means everything sent before it has too.
 */
async function barrier(lines: MonitorLine[], store: Redis, tag: string): Promise<number> {
  await store.echo(tag);
  for (;;) {
    const at = lines.findIndex((line) => line.args[0] === 'echo' && line.args[1] === tag);
    if (at >= 0) return at;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const SCRIPT_NAMES = new Map(
  Object.entries({ complete: COMPLETE_LUA, launch: LAUNCH_LUA, register: REGISTER_LUA, remove: REMOVE_LUA }).map(([name, lua]) => [
    createHash('sha1').update(lua).digest('hex'),
    name,
  ]),
);

/** `evalsha` names its script. */
function commandName(args: string[]): string {
  if (args[0] === 'evalsha') return `EVALSHA ${SCRIPT_NAMES.get(args[1] ?? '') ?? args[1]}`;
  if (args[0] === 'eval') return 'EVAL';
  return args[0]!.toUpperCase();
}

/** Sends the event and returns the commands the store's connection sent meanwhile (by name). */
async function commandsFor(lines: MonitorLine[], store: Redis, poster: Poster, event: CloudEvent<unknown>, storeAddr: string): Promise<string[]> {
  const from = await barrier(lines, store, `before-${lines.length}`);
  const answer = await poster.post(event);
  if (answer.status !== 202) throw new Error(`job-status answered ${answer.status}: ${answer.body}`);
  const to = await barrier(lines, store, `after-${lines.length}`);
  const commands = lines
    .slice(from + 1, to)
    .filter((line) => line.source === storeAddr)
    .map((line) => commandName(line.args));
  lines.length = 0;
  return commands;
}

export async function runRoundTrips(options: { widths: number[] }): Promise<RoundTripResult> {
  const engine = await startBenchEngine({ functions: ['job-status'] });
  const monitorClient = new Redis(engine.redisServer.url);
  const lines: MonitorLine[] = [];
  const poster = createPoster(engine.urls['job-status']!, 1);
  const rows: RoundTripRow[] = [];
  try {
    // The store's connection, as MONITOR names it (ip:port); anything else (lua, us) is not counted.
    const storeId = String(await engine.redis.client('ID'));
    const clients = String(await monitorClient.client('LIST'));
    const storeAddr = /addr=(\S+)/.exec(clients.split('\n').find((l) => l.startsWith(`id=${storeId} `)) ?? '')?.[1];
    if (!storeAddr) throw new Error('could not find the store connection in CLIENT LIST');
    const monitor = await monitorClient.monitor();
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      lines.push({ args: [String(args[0]).toLowerCase(), ...args.slice(1).map(String)], source });
    });
    // Prime the script cache (the first EVALSHA of a script per connection may fall back to EVAL).
    const warm = await setupFanIn(engine, 'warm', 2);
    for (const event of warm.completions) await poster.post(event);
    lines.length = 0;
    for (const width of options.widths) {
      const fanIn = await setupFanIn(engine, `rt-${width}`, width);
      const { completions } = fanIn;
      const first = width > 1 ? await commandsFor(lines, engine.redis, poster, completions[0]!, storeAddr) : null;
      for (let i = 1; i < completions.length - 1; i++) await poster.post(completions[i]!);
      lines.length = 0;
      const last = await commandsFor(lines, engine.redis, poster, completions[completions.length - 1]!, storeAddr);
      rows.push({ width, first, last });
      await engine.redis.flushall();
    }
    monitor.disconnect();
  } finally {
    poster.close();
    monitorClient.disconnect();
    await engine.close();
  }
  return { rows, max: Math.max(...rows.flatMap((r) => [r.first?.length ?? 0, r.last.length])) };
}

export function roundTripsReport(result: RoundTripResult): string {
  const describe = (commands: string[] | null) => (commands === null ? '—' : `${commands.length} (${commands.join(', ')})`);
  return [
    'Client commands the store connection sent per completion event (Redis MONITOR; commands run inside the Lua step excluded).',
    '',
    table(
      ['N', 'first completion', 'last completion (releases the root)'],
      result.rows.map((r) => [r.width, describe(r.first), describe(r.last)]),
    ),
    '',
    `Most round trips for one completion event: ${result.max} (goal ≤ 2: ${verdict(result.max <= 2)}).`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  printSection('Redis round trips per completion event', roundTripsReport(await runRoundTrips(FULL_ROUND_TRIPS)));
}
