/**
 * `dendrite serve`: the local mode as a server, until Ctrl-C, so other systems' CloudEvents can
 * be tried on a laptop — `POST /` is the local Broker's ingress, `GET /api/tasks` and
 * `GET /api/events` show what happens (cli/serve/app.ts). Manifests given on the command line
 * are applied at the start, as `dendrite run` applies them.
 * Exit code: 0 after Ctrl-C, 2 when it could not start, 130 on a second Ctrl-C.
 */
import type { CloudEvent } from 'cloudevents';
import { TASK_SUBMITTED, type TaskSubmittedData } from '../shared/events/types.js';
import type { DeadLetter } from '../shared/local/broker.js';
import { listenLocal, type LocalServer } from '../shared/local/listen.js';
import { SecretError } from '../shared/local/secrets.js';
import type { CliContext } from './context.js';
import { reportsOf } from './reports.js';
import { localDashboardSource, type LocalDashboard } from './dashboard/local-source.js';
import { createServeApp } from './serve/app.js';
import { EventStream } from './serve/event-stream.js';
import { isLoopback, loopbackHosts } from './serve/guard.js';
import { createApp as createWebhookApp } from '../functions/github-webhook/app.js';
import { mountedTokenFor } from '../shared/spawner/github-token.js';
import { checkManifests, openLocalSession, SessionError, STOP_GRACE_MS, appliedOf, type LocalSession, type RunHooks } from './session.js';
import { formatSummary } from './view/summary.js';

export interface ServeOptions {
  paths: string[];
  agent?: string;
  redis?: string;
  logs: boolean;
  namespace: string;
  verbose: boolean;
  host: string;
  port: number;
  /** Required as a bearer token on every request, when given. */
  token?: string;
  /** The spawners' clock starts this far ahead (ms). */
  fastForwardMs?: number;
  githubApi?: string;
  /** A file holding a GitHub webhook's secret: then POST /github takes its signed deliveries. */
  githubWebhookSecret?: string;
}

export const DEFAULT_SERVE_PORT = 8080;

/** An event's attributes, for the `cloudevent` stream messages (its data may be large). */
function attributesOf(event: CloudEvent<unknown>) {
  return { id: event.id, type: event.type, source: event.source, subject: event.subject ?? null, time: event.time ?? null };
}

function deadLetterView(letter: DeadLetter) {
  return { ...attributesOf(letter.event), trigger: letter.trigger, subscriber: letter.subscriber, status: letter.status ?? null, reason: letter.reason };
}

function listenError(err: unknown, options: ServeOptions): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return `port ${options.port} on ${options.host} is in use: choose another with --port (0 picks a free one)`;
  if (code === 'EACCES') return `not allowed to listen on ${options.host}:${options.port}: choose a port above 1023`;
  return `cannot listen on ${options.host}:${options.port}: ${(err as Error).message}`;
}

export async function serveCommand(options: ServeOptions, ctx: CliContext, hooks: RunHooks): Promise<number> {
  const fail = (message: string) => {
    ctx.stderr.write(`dendrite serve: ${message}\n`);
    return 2;
  };
  if (!isLoopback(options.host) && !options.token) {
    return fail(`listening on ${options.host} lets other machines submit work: give --token (or DENDRITE_SERVE_TOKEN) to require it`);
  }
  if (options.token !== undefined && options.token.length < 16) return fail('the token must be at least 16 characters');

  const started = ctx.now();
  const stream = new EventStream();
  const ui = ctx.stdout;
  let session: LocalSession;
  let showNamespace = false;
  const dashboard: LocalDashboard = localDashboardSource(() => session.engine, stream);
  try {
    const checked = checkManifests('dendrite serve', options.paths, ctx, options.namespace, false);
    showNamespace = checked.namespaces.length > 1;
    session = await openLocalSession(
      {
        ...options,
        checked,
        ui,
        uiColor: ctx.color.stdout,
        showNamespace,
        onTaskChange: (task) => dashboard.taskChanged(task),
        onTaskDeleted: (task) => dashboard.taskDeleted(task),
        onEvent: (event) => {
          stream.send('cloudevent', attributesOf(event));
          if (event.type === TASK_SUBMITTED) announceSubmitted(event.data as TaskSubmittedData);
        },
        onDeadLetter: (letter) => stream.send('dead-letter', deadLetterView(letter)),
      },
      ctx,
      hooks,
    );
  } catch (err) {
    stream.close();
    if (err instanceof SessionError) return fail(err.message);
    throw err;
  }
  const { engine, table, paint } = session;
  function announceSubmitted(data: TaskSubmittedData) {
    const created = data.items.filter((i) => i.created).map((i) => i.name);
    const already = data.items.length - created.length;
    table.log(
      paint('green', `submitted to ${data.namespace}: ${created.length > 0 ? created.join(', ') : 'nothing new'}`) +
        (already > 0 ? paint('gray', ` (${already} there already)`) : '') +
        paint('gray', ` — kubectl get tasks -l dendrite.dev/submission=${data.submission}`),
    );
  }

  let server: LocalServer | undefined;
  try {
    const webhook = options.githubWebhookSecret
      ? createWebhookApp({
          secret: mountedTokenFor(options.githubWebhookSecret),
          log: session.log.child({ component: 'github-webhook' }),
          emit: async (event) => {
            table.log(paint('gray', `received GitHub ${event.type.split('.').at(-1)} delivery ${event.id} for ${event.source} → ${engine.broker.routesFor(event).join(', ')}`));
            await engine.broker.publish(event);
          },
        })
      : undefined;
    const app = createServeApp({
      mounts: webhook ? { '/github': webhook } : {},
      guard: { token: options.token, hosts: () => (server ? loopbackHosts(options.host, server.port) : []) },
      publish: (event) => engine.broker.publish(event),
      routesFor: (event) => engine.broker.routesFor(event),
      dashboard: { source: dashboard, uiDir: ctx.uiDir },
      log: session.log.child({ component: 'serve' }),
      onAccepted: (event, routes) =>
        table.log(
          routes.length > 0
            ? paint('gray', `received ${event.type} from ${event.source} → ${routes.join(', ')}`)
            : paint('yellow', `received ${event.type} from ${event.source}: no Trigger routes it, so it is dropped (as a Broker drops it)`),
        ),
    });
    try {
      server = await listenLocal(app, { host: options.host, port: options.port });
    } catch (err) {
      return fail(listenError(err, options));
    }
    const auth = options.token ? ' (bearer token required)' : '';
    ui.write(
      `${paint('bold', `dendrite serve: listening on ${server.url}`)}${auth}\n` +
        `  POST ${server.url} takes CloudEvents; GET ${server.url}api/tasks lists the Tasks; GET ${server.url}api/events streams changes. Ctrl-C stops.\n` +
        `  The dashboard: ${server.url}ui/${options.token ? ' (add #token=<the token> to the address)' : ''}\n`,
    );

    try {
      await session.warming;
      table.start([]);
      engine.apply(appliedOf(session.manifests, options.namespace));
      if (session.manifests.taskSpawners.length > 0) {
        await engine.tick();
        const rules = engine.spawners.list().map((s) => `${s.metadata.name} (${Object.keys(s.spec.when ?? {}).join(', ')})`);
        table.log(paint('gray', `TaskSpawners: ${rules.join(', ')} — events posted now reach them`));
      }
    } catch (err) {
      table.stop();
      if (err instanceof SecretError) return fail(err.message);
      throw err;
    }

    await new Promise<void>((resolve) => session.onInterrupt(resolve));
    const stoppedAt = ctx.now();
    // Nothing more comes in; what the stopped agents' Jobs report is not acted on. The streams
    // end first, politely, so a client sees an end rather than a dropped connection.
    stream.close();
    await server.close();
    server = undefined;
    engine.broker.close();
    const running = engine.cluster.runningJobs();
    if (running > 0) table.log(paint('yellow', `Stopping ${running} running agent${running === 1 ? '' : 's'}…`));
    await engine.cluster.stopJobs(STOP_GRACE_MS);
    session.flushLogs();
    table.stop();
    const tasks = engine.cluster.listTasks();
    if (tasks.length > 0) {
      const reports = await reportsOf(engine, tasks, true, stoppedAt);
      ui.write(formatSummary(reports, { color: ctx.color.stdout, showNamespace, wallMs: stoppedAt.getTime() - started.getTime() }));
    }
    return 0;
  } finally {
    await server?.close();
    stream.close();
    await session.close();
  }
}
