/**
 * `dendrite run`: applies Task and Secret manifests to the local mode (the real functions, the
 * local broker and cluster) and shows the Tasks until nothing more can happen; then a summary.
 * Exit code: 0 all succeeded, 1 some failed or stalled, 2 nothing ran (bad input), 130 Ctrl-C.
 */
import { SecretError } from '../shared/local/secrets.js';
import type { Task } from '../shared/task/model.js';
import type { CliContext } from './context.js';
import { localDashboardSource } from './dashboard/local-source.js';
import { DashboardServerError, startDashboardServer, type DashboardServer } from './dashboard/server.js';
import { EventStream } from './serve/event-stream.js';
import { reportsOf } from './reports.js';
import { appliedOf, checkManifests, openLocalSession, SessionError, STOP_GRACE_MS, type LocalSession, type RunHooks } from './session.js';
import { formatPodDirectories } from './view/pods.js';
import { formatLeftovers, formatSummary, jsonReport } from './view/summary.js';

export type { RunHooks } from './session.js';

export interface RunOptions {
  paths: string[];
  agent?: string;
  /** Leave each Task's pod directory (its clone) in place, and say where. */
  keepWorkspaces?: boolean;
  redis?: string;
  logs: boolean;
  output: 'table' | 'json';
  namespace: string;
  verbose: boolean;
  /** Serve the dashboard on this loopback port (0: a free one) during the run, and after it until Ctrl-C. */
  dashboardPort?: number;
  /** The spawners' clock starts this far ahead (ms). */
  fastForwardMs?: number;
  githubApi?: string;
}

export async function runCommand(options: RunOptions, ctx: CliContext, hooks: RunHooks): Promise<number> {
  const started = ctx.now();
  const json = options.output === 'json';
  // With --output json, stdout carries only the JSON; everything for people goes to stderr.
  const ui = json ? ctx.stderr : ctx.stdout;
  const uiColor = json ? ctx.color.stderr : ctx.color.stdout;
  const fail = (message: string) => {
    ctx.stderr.write(`dendrite run: ${message}\n`);
    return 2;
  };

  let session: LocalSession;
  let showNamespace: boolean;
  const stream = options.dashboardPort === undefined ? undefined : new EventStream();
  const dashboard = stream && localDashboardSource(() => session.engine, stream);
  try {
    const checked = checkManifests('dendrite run', options.paths, ctx, options.namespace, true);
    showNamespace = checked.taskNamespaces.length > 1;
    session = await openLocalSession({ ...options, checked, ui, uiColor, showNamespace, onTaskChange: dashboard?.taskChanged, onTaskDeleted: dashboard?.taskDeleted }, ctx, hooks);
  } catch (err) {
    stream?.close();
    if (err instanceof SessionError) return fail(err.message);
    throw err;
  }
  const { engine, table, paint } = session;

  let server: DashboardServer | undefined;
  try {
    if (dashboard && options.dashboardPort !== undefined) {
      try {
        server = await startDashboardServer({ source: dashboard, uiDir: ctx.uiDir, log: session.log, port: options.dashboardPort });
      } catch (err) {
        if (err instanceof DashboardServerError) return fail(err.message);
        throw err;
      }
      ui.write(`${paint('bold', `dendrite run: the dashboard is at ${server.pageUrl}`)} (read-only, this machine only)\n`);
    }
    let tasks: Task[];
    try {
      await session.warming;
      table.start([]);
      tasks = engine.apply(appliedOf(session.manifests, options.namespace));
      // TaskSpawners get one pass now (cron ticks due, GitHub listed); the run ends when
      // what that spawned is done — later ticks are `dendrite serve`'s.
      if (session.manifests.taskSpawners.length > 0) await engine.tick();
    } catch (err) {
      table.stop();
      if (err instanceof SecretError) return fail(err.message);
      throw err;
    }

    await new Promise<void>((resolve) => {
      const poll = setInterval(() => engine.quiet() && finish(), 20);
      const finish = () => {
        clearInterval(poll);
        resolve();
      };
      session.onInterrupt(finish);
    });

    const stoppedAt = ctx.now();
    // A Ctrl-C after everything ended interrupts nothing: the run's outcome stands.
    const stopped = session.interrupted;
    if (stopped) {
      engine.broker.close(); // what the killed agents' Jobs report now is not acted on
      const running = engine.cluster.runningJobs();
      table.log(paint('yellow', `Interrupted: stopping ${running} running agent${running === 1 ? '' : 's'}…`));
      await engine.cluster.stopJobs(STOP_GRACE_MS);
    }
    session.flushLogs();
    table.stop();

    // Spawned Tasks are reported with the applied ones.
    if (session.manifests.taskSpawners.length > 0) tasks = engine.cluster.listTasks();
    const reports = await reportsOf(engine, tasks, stopped, stoppedAt);
    ui.write(formatSummary(reports, { color: uiColor, showNamespace, wallMs: ctx.now().getTime() - started.getTime() }));
    const lost = engine.broker.deadLetters.length;
    if (lost > 0) ui.write(paint('red', `${lost} event(s) could not be delivered (dead-lettered); see the errors above\n`));
    const leftovers = engine.cluster.leftovers();
    if (leftovers.length > 0) ui.write(formatLeftovers(leftovers, { color: uiColor, showNamespace }));
    if (options.keepWorkspaces) ui.write(formatPodDirectories(engine.cluster.podDirectories(), session.podRoot, { color: uiColor, showNamespace }));
    if (json) ctx.stdout.write(`${JSON.stringify(jsonReport(reports), null, 2)}\n`);
    if (stopped) return 130;
    const code = reports.every((r) => r.outcome === 'succeeded') ? 0 : 1;
    if (server) {
      // The run is over, its picture is not: the page stays until Ctrl-C; the outcome stands.
      ui.write(paint('gray', `The run is over; the dashboard stays at ${server.pageUrl} until Ctrl-C.\n`));
      await new Promise<void>((resolve) => session.onInterrupt(resolve));
    }
    return code;
  } finally {
    stream?.close();
    await server?.close();
    await session.close();
  }
}
