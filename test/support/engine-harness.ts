/**
 * The whole engine on real parts, in one test process: the three function apps (driven over
 * HTTP with supertest), a private redis-server, the fake API server through client-node, an
 * ApiServerSource stand-in, a broker that routes by knative/triggers.yaml, and a "kubelet"
 * that runs a Job's container as a small agent script and records its log.
 */
import { createApp as createTaskSubmitApp } from '../../functions/task-submit/app.js';
import { matches as triggerMatches, parseTriggers, type Trigger } from '../../shared/local/triggers.js';
import { createApp as createTaskSpawnerApp } from '../../functions/task-spawner/app.js';
import { createKubernetesSpawners } from '../../shared/cluster/kubernetes-spawners.js';
import { createGitHubClient } from '../../shared/spawner/github-api.js';
import { createMemorySlots } from '../../shared/spawner/slots.js';
import { taskSchema } from './task-schema.js';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { CloudEvent, HTTP } from 'cloudevents';
import type { HttpApp } from '../../shared/http/routes.js';
import { Redis } from 'ioredis';
import pino from 'pino';
import request from 'supertest';
import { createApp as createJobStatusApp } from '../../functions/job-status/app.js';
import { createApp as createLauncherApp } from '../../functions/launcher/app.js';
import { createApp as createTaskIntakeApp } from '../../functions/task-intake/app.js';
import { createApp as createResyncApp } from '../../functions/resync/app.js';
import { DEFAULT_RESYNC_OPTIONS, type ResyncOptions } from '../../shared/resync/config.js';
import { newResyncState, type ResyncState } from '../../shared/resync/plan.js';
import { runResync, type ResyncReport } from '../../shared/resync/resync.js';
import { createKubernetesCluster } from '../../shared/cluster/kubernetes.js';
import { MAX_SINGLE_ARGUMENT_BYTES, type FlowDeps } from '../../shared/flow/deps.js';
import { DEFAULT_JOB_CONFIG } from '../../shared/job/build.js';
import { createRedisStore } from '../../shared/store/redis-store.js';
import type { Store } from '../../shared/store/store.js';
import { isolatedRenderer } from './renderer.js';
import { createMetrics, type Metrics } from '../../shared/metrics/metrics.js';
import type { PromptRenderer } from '../../shared/template/index.js';
import { DEFAULT_RENDER_LIMITS } from '../../shared/template/index.js';
import { ApiServerSourceSimulator } from './apiserver-source.js';
import { startFakeApiServer, type FakeApiServer, type StoredObject } from './fake-apiserver.js';
import { startRedisServer, type RedisServer } from './redis-server.js';

const REPO = new URL('../../../', import.meta.url);
const AGENT = new URL('test/fixtures/e2e-agent.mjs', REPO);

export interface Delivery {
  function: string;
  event: CloudEvent<unknown>;
  status: number;
  error?: string;
  /** The function's reply event (a 200), which also goes back to the broker. */
  reply?: CloudEvent<unknown>;
}

interface Route {
  attributes: Record<string, string>;
  service: string;
  /** The Trigger as the local broker reads it (its `filters` too). */
  trigger: Trigger;
}

/** The routes of knative/triggers.yaml → subscriber Service, read by the local broker's parser. */
export function loadTriggerRoutes(): Route[] {
  const text = readFileSync(new URL('knative/triggers.yaml', REPO), 'utf8');
  return parseTriggers(text).map((trigger) => ({ attributes: trigger.filter, service: trigger.subscriber, trigger }));
}

function matches(route: Route, event: CloudEvent<unknown>): boolean {
  return triggerMatches(route.trigger, event);
}

export { seededRandom } from './random.js';

export interface DrainOptions {
  /** Deliver every event twice. */
  duplicate?: boolean;
  /** Shuffle each batch and deliver it concurrently. */
  random?: () => number;
}

export interface EngineHarnessOptions {
  /** Redis with AOF on, so a restart keeps the data. */
  appendonly?: boolean;
  /** Where the functions' pino lines go (default: a silent logger). */
  logStream?: { write(line: string): void };
  /** Per-request timeout of the Kubernetes client. */
  requestTimeoutMs?: number;
  /** Resync's options for `resync()` and the resync app. */
  resync?: Partial<ResyncOptions>;
  /** How much of a pod log job-status and resync read for outputs (default 64 KiB). */
  logTailBytes?: number;
  /** The namespaces task-submit serves (default: `default`). */
  submitNamespaces?: string[];
}

export class EngineHarness {
  readonly emitted: CloudEvent<unknown>[] = [];
  readonly deliveries: Delivery[] = [];
  private readonly queue: CloudEvent<unknown>[] = [];
  private readonly source: ApiServerSourceSimulator;
  private readonly routes = loadTriggerRoutes();
  private readonly apps: Record<string, HttpApp>;
  private readonly resyncDeps: FlowDeps;
  private readonly resyncState: ResyncState = newResyncState();
  readonly resyncOptions: ResyncOptions;
  /** Shared by the functions, as one process's would be; rendering in a child process, as in production. */
  readonly renderer: PromptRenderer = isolatedRenderer();
  /** Each function's own series, as its /metrics would serve them. */
  readonly metrics: Record<string, Metrics> = {};

  private constructor(
    readonly api: FakeApiServer,
    readonly redisServer: RedisServer,
    readonly store: Store,
    /** The one clock of the API server and the functions; advance() moves it on. */
    private readonly clock: { offsetMs: number },
    options: EngineHarnessOptions = {},
  ) {
    this.source = new ApiServerSourceSimulator(api);
    const cluster = createKubernetesCluster(api.kubeConfig(), { requestTimeoutMs: options.requestTimeoutMs });
    const log = options.logStream
      ? pino({ level: 'trace' }, options.logStream)
      : pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const deps = (name: string): FlowDeps => ({
      store,
      cluster,
      renderer: this.renderer,
      log: log.child({ function: name }),
      emit: async (event) => {
        this.emitted.push(event);
        this.queue.push(event);
      },
      config: { source: `/dendrite/${name}`, renderLimits: DEFAULT_RENDER_LIMITS, maxPromptBytes: MAX_SINGLE_ARGUMENT_BYTES },
      now: () => new Date(Date.now() + clock.offsetMs),
      metrics: (this.metrics[name] ??= createMetrics()),
    });
    this.apps = {
      'task-intake': createTaskIntakeApp(deps('task-intake')),
      'job-status': createJobStatusApp(deps('job-status'), { logTailBytes: options.logTailBytes ?? 64 * 1024 }),
      launcher: createLauncherApp(deps('launcher'), DEFAULT_JOB_CONFIG),
      'task-submit': createTaskSubmitApp(deps('task-submit'), {
        namespaces: options.submitNamespaces ?? ['default'],
        schema: taskSchema(),
      }),
      // Takes task.succeeded / task.failed (maxConcurrency) and every other system's event.
      'task-spawner': createTaskSpawnerApp(
        deps('task-spawner'),
        { spawners: createKubernetesSpawners(api.kubeConfig()), github: { client: createGitHubClient(), tokenFor: async () => undefined }, slots: createMemorySlots() },
        { namespaces: options.submitNamespaces ?? ['default'], maxCatchUp: 10 },
      ),
    };
    this.resyncOptions = { ...DEFAULT_RESYNC_OPTIONS, logTailBytes: options.logTailBytes ?? 64 * 1024, ...options.resync };
    this.resyncDeps = deps('resync');
    this.apps.resync = createResyncApp(this.resyncDeps, this.resyncOptions);
  }

  static async start(options: EngineHarnessOptions = {}): Promise<EngineHarness> {
    // One clock for the API server and the functions, which advance() moves on.
    const clock = { offsetMs: 0 };
    const [api, redisServer] = await Promise.all([
      startFakeApiServer({ clock: () => new Date(Date.now() + clock.offsetMs) }),
      startRedisServer({ appendonly: options.appendonly }),
    ]);
    // As the functions run in production (shared/runtime/clients.ts): commands fail at once while
    // Redis is unreachable (503, the broker retries) instead of waiting in an offline queue.
    const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    redis.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', () => resolve());
      redis.once('end', () => reject(new Error('could not connect to the test Redis')));
    });
    return new EngineHarness(api, redisServer, createRedisStore(redis), clock, options);
  }

  /** One resync run, as a PingSource tick would start it; what it emits is queued. */
  resync(options: Partial<ResyncOptions> = {}): Promise<ResyncReport> {
    return runResync(this.resyncDeps, { ...this.resyncOptions, ...options }, this.resyncState);
  }

  /** The harness's clock: what the functions and the API server take for now. */
  now(): Date {
    return new Date(Date.now() + this.clock.offsetMs);
  }

  /** Moves the functions' clock on (never back): what is due after `ms` is due now. */
  advance(ms: number): void {
    this.clock.offsetMs += ms;
  }

  /** Events the ApiServerSource stand-in would send now, taken without delivering them (lost). */
  dropSourceEvents(): CloudEvent<unknown>[] {
    return this.source.poll();
  }

  /** Events queued for delivery (replies and emitted events), taken without delivering them (lost). */
  dropQueued(): CloudEvent<unknown>[] {
    return this.queue.splice(0);
  }

  async close(): Promise<void> {
    await Promise.all([this.store.close(), this.renderer.close()]);
    await Promise.all([this.api.close(), this.redisServer.stop()]);
  }

  /** `kubectl apply` for Tasks: they appear in the API server (with uids) for the source to see. */
  applyTasks(tasks: object[], namespace = 'default'): void {
    for (const task of tasks) {
      const copy = structuredClone(task) as { metadata: Record<string, unknown> };
      copy.metadata.namespace = namespace;
      this.api.put('tasks', copy);
    }
  }

  task(name: string, namespace = 'default'): StoredObject & { status?: Record<string, unknown> } {
    const task = this.api.get('tasks', namespace, name);
    if (!task) throw new Error(`no Task ${namespace}/${name}`);
    return task;
  }

  /** A function's app, for requests that are not CloudEvents at all. */
  app(service: string): HttpApp {
    const app = this.apps[service];
    if (!app) throw new Error(`no app ${service}`);
    return app;
  }

  /** Sends one event to one function over HTTP; a 200 reply goes back to the broker. */
  async deliverTo(service: string, event: CloudEvent<unknown>): Promise<Delivery> {
    const app = this.apps[service];
    if (!app) throw new Error(`no app ${service}`);
    const message = HTTP.binary(event);
    const res = await request(app).post('/').set(message.headers as Record<string, string>).send(message.body as string);
    const delivery: Delivery = { function: service, event, status: res.status, error: res.body?.error };
    this.deliveries.push(delivery);
    if (res.status === 200) {
      delivery.reply = HTTP.toEvent({ headers: res.headers, body: res.text }) as CloudEvent<unknown>;
      this.queue.push(delivery.reply);
    }
    return delivery;
  }

  /** The broker: route one event by the Triggers (events no Trigger matches are dropped, as a Broker does). */
  async publish(event: CloudEvent<unknown>): Promise<void> {
    for (const route of this.routes) {
      if (matches(route, event)) await this.deliverTo(route.service, event);
    }
  }

  /** Delivers everything queued and everything the source sees, until the system is quiet. */
  async drain(options: DrainOptions = {}): Promise<void> {
    for (let round = 0; ; round++) {
      if (round > 500) throw new Error('the system did not settle after 500 rounds');
      let batch = [...this.queue.splice(0), ...this.source.poll()];
      if (batch.length === 0) return;
      if (options.duplicate) batch = batch.flatMap((event) => [event, event]);
      if (options.random) {
        const random = options.random;
        for (let i = batch.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [batch[i], batch[j]] = [batch[j]!, batch[i]!];
        }
        await Promise.all(batch.map((event) => this.publish(event)));
      } else {
        for (const event of batch) await this.publish(event);
      }
    }
  }

  /** The kubelet and Job controller: the Job becomes active. */
  startJob(name: string, namespace = 'default'): void {
    const job = this.api.get('jobs', namespace, name);
    if (!job) throw new Error(`no Job ${namespace}/${name}`);
    this.api.put('jobs', { ...job, status: { active: 1, startTime: this.now().toISOString() } });
  }

  /**
   * Runs the Job's container — the agent script with the Job's own args — records its output
   * as the pod log, and sets the terminal condition from its exit code.
   */
  finishJob(name: string, namespace = 'default'): { exitCode: number; log: string } {
    const container = this.jobContainer(name, namespace);
    const run = spawnSync(process.execPath, [AGENT.pathname, ...(container.args ?? [])], { encoding: 'utf8' });
    const log = `${run.stdout}${run.stderr}`;
    this.endJob(name, namespace, log, run.status === 0);
    return { exitCode: run.status ?? -1, log };
  }

  /** Ends the Job as its agent would have, having printed `log`: the pod log, then the terminal condition. */
  endJob(name: string, namespace: string, log: string, succeeded: boolean): void {
    const container = this.jobContainer(name, namespace);
    this.api.addJobPod(namespace, name, { logs: { [container.name]: log } });
    const job = this.api.get('jobs', namespace, name)!;
    const at = this.now().toISOString();
    this.api.put('jobs', {
      ...job,
      status: succeeded
        ? { ...job.status as object, active: 0, succeeded: 1, completionTime: at, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: at }] }
        : {
            ...job.status as object,
            active: 0,
            failed: 1,
            conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastTransitionTime: at }],
          },
    });
  }

  private jobContainer(name: string, namespace: string): { name: string; args?: string[] } {
    const job = this.api.get('jobs', namespace, name) as (StoredObject & { spec: { template: { spec: { containers: Array<{ name: string; args?: string[] }> } } } }) | undefined;
    if (!job) throw new Error(`no Job ${namespace}/${name}`);
    return job.spec.template.spec.containers[0]!;
  }

  jobNames(namespace = 'default'): string[] {
    return this.api.list('jobs', namespace).map((job) => String(job.metadata.name)).sort();
  }
}
