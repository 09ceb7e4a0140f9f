/**
 * The whole system in one process: every function's real app on a loopback port,
 * the local broker routing between them by the Triggers in knative/, and the local cluster
 * publishing watch events into it. What differs from a cluster is only where things run.
 */
import type { CloudEvent } from 'cloudevents';
import type { HttpApp } from '../shared/http/routes.js';
import type { Logger } from 'pino';
import { createApp as createJobStatusApp, FUNCTION_NAME as JOB_STATUS } from '../functions/job-status/app.js';
import { createApp as createLauncherApp, FUNCTION_NAME as LAUNCHER } from '../functions/launcher/app.js';
import { createApp as createResyncApp, FUNCTION_NAME as RESYNC } from '../functions/resync/app.js';
import { createApp as createTaskIntakeApp, FUNCTION_NAME as TASK_INTAKE } from '../functions/task-intake/app.js';
import { createApp as createTaskSubmitApp, FUNCTION_NAME as TASK_SUBMIT } from '../functions/task-submit/app.js';
import type { TaskSubmitOptions } from '../functions/task-submit/handler.js';
import { createApp as createTaskSpawnerApp, FUNCTION_NAME as TASK_SPAWNER } from '../functions/task-spawner/app.js';
import { DEFAULT_MAX_CATCH_UP } from '../functions/task-spawner/handler.js';
import { createLocalSpawners, type LocalSpawners } from '../shared/local/spawners.js';
import { createGitHubClient } from '../shared/spawner/github-api.js';
import { workspaceTokenFor } from '../shared/spawner/github-token.js';
import { createMemorySlots } from '../shared/spawner/slots.js';
import { TASK_READY, type TaskReadyData } from '../shared/events/types.js';
import { DEFAULT_RESYNC_OPTIONS } from '../shared/resync/config.js';
import { MAX_SINGLE_ARGUMENT_BYTES, type FlowDeps } from '../shared/flow/deps.js';
import { DEFAULT_JOB_CONFIG, type JobConfig } from '../shared/job/build.js';
import type { Store } from '../shared/store/store.js';
import type { Task } from '../shared/task/model.js';
import { DEFAULT_RENDER_LIMITS, type PromptRenderer, type RenderLimits } from '../shared/template/index.js';
import type { AgentResolver } from '../shared/local/agents.js';
import { createLocalBroker, type DeadLetter, type LocalBroker, type RetryPolicy } from '../shared/local/broker.js';
import { createLocalCluster, type LocalCluster, type LocalClusterOptions } from '../shared/local/cluster.js';
import { listenLocal, type LocalServer } from '../shared/local/listen.js';
import { startPinger, tickFor, type LocalPinger } from '../shared/local/ping.js';
import { expiresAt } from '../shared/flow/expiry.js';
import type { Trigger } from '../shared/local/triggers.js';

export interface LocalEngineOptions {
  store: Store;
  triggers: readonly Trigger[];
  log: Logger;
  agent: AgentResolver;
  /** PATH and HOME for agents. */
  baseEnv: Readonly<Record<string, string>>;
  /** Where each Job's pod gets its own directory (its clone, or an empty one to run in). */
  podRoot: string;
  /** Where relative repository paths of Workspaces are resolved. */
  sourceDir: string;
  jobConfig?: JobConfig;
  /** Renders prompts for every function (the caller closes it). */
  renderer: PromptRenderer;
  /** What task-submit checks submissions against, and the namespaces it creates Tasks in. */
  submit: TaskSubmitOptions;
  renderLimits?: RenderLimits;
  maxPromptBytes?: number;
  logTailBytes?: number;
  retry?: RetryPolicy;
  now?: () => Date;
  onTaskChange?: LocalClusterOptions['onTaskChange'];
  /** A Task deleted by its ttlSecondsAfterFinished, as it was last. */
  onTaskDeleted?: LocalClusterOptions['onTaskDeleted'];
  onAgentOutput?: LocalClusterOptions['onAgentOutput'];
  onEvent?: (event: CloudEvent<unknown>) => void;
  onDeadLetter?: (letter: DeadLetter) => void;
  /** How often the local PingSource ticks resync and the spawners (a cluster's PingSource: every minute). */
  resyncIntervalMs?: number;
  /** The namespaces whose TaskSpawners run (default: task-submit's). */
  spawnerNamespaces?: string[];
  /** The spawners' clock runs this far ahead (dendrite run --fast-forward): cron ticks in between are due at once. */
  fastForwardMs?: number;
  maxCatchUp?: number;
  /** The GitHub REST API GitHub spawners read (dendrite run --github-api; default: the Workspace host's). */
  githubApi?: string;
}

export interface AppliedManifests {
  secrets: Record<string, unknown>[];
  workspaces?: Record<string, unknown>[];
  agentConfigs?: Record<string, unknown>[];
  tasks: Record<string, unknown>[];
  taskSpawners?: Record<string, unknown>[];
}

export interface LocalEngine {
  cluster: LocalCluster;
  broker: LocalBroker;
  spawners: LocalSpawners;
  /** Sends the PingSource's tick now (resync and the spawners take it). */
  tick(): Promise<void>;
  /**
   * Secrets, Workspaces and AgentConfigs first (a Job may start as soon as its Task is
   * applied), then Tasks, in order.
   */
  apply(manifests: AppliedManifests): Task[];
  /** The prompt the Task's agent was started with, or for an external Task the one task.ready announced. */
  promptOf(namespace: string, name: string): string | null;
  /** A Task deleted (by its time to live) during the run, as it was last. */
  deletedTask(namespace: string, name: string): Task | undefined;
  /** Nothing left to happen by itself: no event pending and no Job unfinished. */
  quiet(): boolean;
  /** Stops delivering and serving; does not stop agents (see cluster.stopJobs). */
  close(): Promise<void>;
}

export async function startLocalEngine(options: LocalEngineOptions): Promise<LocalEngine> {
  const now = options.now ?? (() => new Date());
  let broker: LocalBroker | undefined;
  let pinger: LocalPinger | undefined;
  const deleted = new Map<string, Task>();
  const cluster = createLocalCluster({
    publish: (event) => broker!.publish(event),
    agent: options.agent,
    baseEnv: options.baseEnv,
    podRoot: options.podRoot,
    sourceDir: options.sourceDir,
    now,
    onTaskChange: (task) => {
      // A finished Task with a time to live: resync, ticked when it ends, deletes it (as in a
      // cluster, where the every-minute tick does; a TTL of 0 goes at once, in job-status).
      const at = expiresAt(task);
      if (at !== undefined && (task.spec.ttlSecondsAfterFinished ?? 0) > 0) pinger?.tickAt(at);
      options.onTaskChange?.(task);
    },
    onTaskDeleted: (task) => {
      deleted.set(`${task.metadata.namespace}/${task.metadata.name}`, task);
      options.onTaskDeleted?.(task);
    },
    onAgentOutput: options.onAgentOutput,
    onPublishError: (err, event) => options.log.debug({ err: (err as Error).message, ceType: event.type }, 'watch event not sent'),
  });

  const depsFor = (name: string): FlowDeps => ({
    store: options.store,
    cluster,
    renderer: options.renderer,
    // Each function emits into the broker, as its SinkBinding's K_SINK would make it.
    emit: (event) => broker!.publish(event),
    log: options.log.child({ function: name }),
    config: {
      source: `/dendrite/${name}`,
      renderLimits: options.renderLimits ?? DEFAULT_RENDER_LIMITS,
      maxPromptBytes: options.maxPromptBytes ?? MAX_SINGLE_ARGUMENT_BYTES,
    },
    now,
  });

  const spawners = createLocalSpawners({ now });
  // GitHub spawners read with their Workspace Secret's GITHUB_TOKEN, as given in the manifests.
  const secretValues = new Map<string, Map<string, string>>();
  const github = { client: createGitHubClient(), apiBase: options.githubApi, tokenFor: workspaceTokenFor(secretValues) };
  const fastForwardMs = options.fastForwardMs ?? 0;
  const spawnerDeps = { ...depsFor(TASK_SPAWNER), now: () => new Date(now().getTime() + fastForwardMs) };
  const apps: Record<string, HttpApp> = {
    [TASK_INTAKE]: createTaskIntakeApp(depsFor(TASK_INTAKE)),
    [JOB_STATUS]: createJobStatusApp(depsFor(JOB_STATUS), { logTailBytes: options.logTailBytes ?? 1024 * 1024 }),
    [LAUNCHER]: createLauncherApp(depsFor(LAUNCHER), options.jobConfig ?? DEFAULT_JOB_CONFIG),
    // Every namespace the run applied; a Job is never failed as lost while its agent may still report.
    [TASK_SUBMIT]: createTaskSubmitApp(depsFor(TASK_SUBMIT), options.submit),
    [TASK_SPAWNER]: createTaskSpawnerApp(spawnerDeps, { spawners, github, slots: createMemorySlots() }, {
      namespaces: options.spawnerNamespaces ?? options.submit.namespaces,
      maxCatchUp: options.maxCatchUp ?? DEFAULT_MAX_CATCH_UP,
    }),
    [RESYNC]: createResyncApp(depsFor(RESYNC), { ...DEFAULT_RESYNC_OPTIONS, logTailBytes: options.logTailBytes ?? 1024 * 1024 }),
  };
  const servers: LocalServer[] = [];
  const subscribers: Record<string, string> = {};
  try {
    for (const [name, app] of Object.entries(apps)) {
      const server = await listenLocal(app);
      servers.push(server);
      subscribers[name] = server.url;
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }

  const announced = new Map<string, string>();
  broker = createLocalBroker({
    triggers: options.triggers,
    subscribers,
    log: options.log.child({ component: 'broker' }),
    retry: options.retry,
    onEvent: (event) => {
      if (event.type === TASK_READY) {
        const ready = event.data as Partial<TaskReadyData> | undefined;
        if (typeof ready?.prompt === 'string') announced.set(`${ready.namespace}/${ready.name}`, ready.prompt);
      }
      options.onEvent?.(event);
    },
    onDeadLetter: options.onDeadLetter,
  });
  const ready = broker;
  const tick = tickFor(options.triggers, RESYNC);
  pinger = tick
    ? startPinger(tick, (event) => ready.publish(event), options.resyncIntervalMs ?? 30_000, (err) =>
        options.log.debug({ err: (err as Error).message }, 'resync tick not sent'),
      )
    : undefined;

  return {
    cluster,
    broker: ready,
    spawners,
    async tick() {
      if (tick) await ready.publish(tick());
    },
    apply(manifests) {
      for (const secret of manifests.secrets) {
        const applied = cluster.applySecret(secret);
        secretValues.set(`${applied.namespace}/${applied.name}`, applied.values);
      }
      for (const workspace of manifests.workspaces ?? []) cluster.applyWorkspace(workspace);
      for (const agentConfig of manifests.agentConfigs ?? []) cluster.applyAgentConfig(agentConfig);
      for (const spawner of manifests.taskSpawners ?? []) spawners.apply(spawner);
      return manifests.tasks.map((task) => cluster.applyTask(task));
    },
    deletedTask: (namespace, name) => deleted.get(`${namespace}/${name}`),
    promptOf: (namespace, name) => cluster.jobPrompt(namespace, name) ?? announced.get(`${namespace}/${name}`) ?? null,
    quiet: () => ready.pending() === 0 && cluster.runningJobs() === 0,
    async close() {
      pinger?.stop();
      ready.close();
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
