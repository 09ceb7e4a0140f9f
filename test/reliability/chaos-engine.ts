/**
 * The engine under a hostile schedule, fast enough for property runs: the real handlers (the
 * same ones the apps serve) called in-process, real Redis, the fake API server through
 * client-node, the ApiServerSource stand-in, routing by knative/triggers.yaml — and a broker
 * that delivers events in random order, concurrently, each 1–3 times, sometimes never (then
 * resync must repair), while handlers crash after a random step (an injected crash before or
 * after the n-th call to Redis, the API or the event sink), the API server answers 5xx, 429,
 * 409 or resets, and Redis connections are killed mid-handler. A crashed delivery is
 * redelivered, as a broker does with a 5xx.
 *
 * It also keeps what the invariants are checked against: Jobs created per name, the prompt of
 * every task.ready ever emitted, every phase each Task went through, every refusal.
 */
import type { PromptRenderer } from '../../shared/template/index.js';
import type { CloudEvent } from 'cloudevents';
import { Redis, type Cluster as RedisCluster } from 'ioredis';
import pino from 'pino';
import { createHandlers as jobStatusHandlers } from '../../functions/job-status/app.js';
import { createHandlers as launcherHandlers } from '../../functions/launcher/app.js';
import { createHandlers as taskIntakeHandlers } from '../../functions/task-intake/app.js';
import type { Cluster } from '../../shared/cluster/cluster.js';
import { createKubernetesCluster } from '../../shared/cluster/kubernetes.js';
import { TransientError } from '../../shared/errors.js';
import { TASK_READY, type TaskReadyData } from '../../shared/events/types.js';
import { MAX_SINGLE_ARGUMENT_BYTES, type FlowDeps } from '../../shared/flow/deps.js';
import { answerFor, type Handler, type HandlerContext } from '../../shared/http/function-app.js';
import { DEFAULT_JOB_CONFIG } from '../../shared/job/build.js';
import { DEFAULT_RESYNC_OPTIONS } from '../../shared/resync/config.js';
import { newResyncState } from '../../shared/resync/plan.js';
import { runResync, type RepairRecord } from '../../shared/resync/resync.js';
import { createRedisStore } from '../../shared/store/redis-store.js';
import type { Store } from '../../shared/store/store.js';
import { DEFAULT_RENDER_LIMITS } from '../../shared/template/index.js';
import { apiServerEvent } from '../support/apiserver-source.js';
import { APISERVER_ADD, APISERVER_DELETE, APISERVER_UPDATE } from '../../shared/events/types.js';
import { loadTriggerRoutes } from '../support/engine-harness.js';
import { startFakeApiServer, type FakeApiServer, type StoredObject } from '../support/fake-apiserver.js';
import type { RedisServer } from '../support/redis-server.js';
import { agentOutput } from './model.js';

export interface ChaosOptions {
  /** Chance that a delivery's handler crashes (at a random step, before or after that call). */
  crash: number;
  /** Chance, per copy, that a delivered event is delivered once more later (up to 3 in all). */
  duplicate: number;
  /** Chance that an ApiServerSource event or an emitted task.ready is lost for good. */
  lose: number;
  /** Chance per batch that the next API request fails (500, 503, 429, 409 or a reset). */
  apiFault: number;
  /** Chance per batch that every Redis client connection is killed while it runs. */
  redisKill: number;
  /** Most deliveries in flight at once. */
  concurrency: number;
  /** Instances of each function (each its own Redis and API clients), picked at random per delivery. */
  instances?: number;
  /** Deliver every event at least twice. */
  alwaysDuplicate?: boolean;
  /** Chance that the kubelet first marks a Job active (else it runs it to its end at once). */
  startJobs?: number;
  /** Pause after a batch in which Redis (not an injected crash) failed a delivery, as a broker backs off. */
  retryDelayMs?: number;
  /** Chance per batch that a finished Task `deletable` allows is deleted by hand (with its Job and pods, as the garbage collector would). */
  handDelete?: number;
  /** Which Tasks may be deleted by hand. */
  deletable?: (task: string) => boolean;
  /** Called before each batch is delivered (a test's fault at a chosen moment). */
  beforeBatch?: (stats: ChaosStats) => Promise<void>;
}

/** Redis other than one private server: how each instance connects (Cluster, Sentinel). */
export interface RedisConnector {
  connect(): Redis | RedisCluster;
}

export interface ChaosStats {
  deliveries: number;
  crashes: number;
  redeliveries: number;
  duplicates: number;
  lost: number;
  apiFaults: number;
  redisKills: number;
  resyncRuns: number;
  repairs: RepairRecord[];
  /** Deliveries that failed with a transient error that was not injected (Redis away, TRYAGAIN, …). */
  transientFailures: number;
}

/** A crash injected into a handler: transient, so the delivery fails with 503 and is retried. */
export class InjectedCrash extends TransientError {}

type Services = Record<string, (deps: FlowDeps) => Record<string, Handler>>;

const SERVICES: Services = {
  'task-intake': (deps) => taskIntakeHandlers(deps),
  'job-status': (deps) => jobStatusHandlers(deps, { logTailBytes: 64 * 1024 }),
  launcher: (deps) => launcherHandlers(deps, DEFAULT_JOB_CONFIG),
};

const RETRYABLE = (status: number) => status === 404 || status === 408 || status === 409 || status === 429 || status >= 500;

const silent = pino({ level: 'silent' });
const handlerContext: HandlerContext = { log: silent, forTask: () => silent };

/** Counts every call to an object's methods, and crashes at the `at`-th one. */
function withCrash<T extends object>(target: T, counter: { calls: number; at: number; after: boolean }): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const n = ++counter.calls;
        if (n !== counter.at) return (value as (...a: unknown[]) => unknown).apply(obj, args);
        if (counter.after) {
          await (value as (...a: unknown[]) => unknown).apply(obj, args);
          throw new InjectedCrash(`injected crash after call ${n} (${String(prop)})`);
        }
        throw new InjectedCrash(`injected crash before call ${n} (${String(prop)})`);
      };
    },
  });
}

function jobFinished(job: StoredObject): boolean {
  const conditions = ((job.status ?? {}) as { conditions?: Array<{ type: string; status: string }> }).conditions ?? [];
  return conditions.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

export class ChaosEngine {
  readonly stats: ChaosStats = { deliveries: 0, crashes: 0, redeliveries: 0, duplicates: 0, lost: 0, apiFaults: 0, redisKills: 0, resyncRuns: 0, repairs: [], transientFailures: 0 };
  private backOff = false;
  /** Successful creates per Job name (a second one would be a second launch). */
  readonly jobsCreated = new Map<string, number>();
  /** Every prompt a task.ready carried, per Task. */
  readonly readyPrompts = new Map<string, string[]>();
  /** Every phase each Task was stored with, in order. */
  readonly phaseHistory = new Map<string, string[]>();
  /** The args of each Job created, by Job name (kept when the Job is deleted with its Task). */
  readonly jobArgs = new Map<string, string[]>();
  /** Tasks deleted by hand (handDelete), in order. */
  readonly handDeleted: string[] = [];
  /** The last version of each Task stored before it was deleted. */
  readonly deletedTasks = new Map<string, StoredObject & { status?: Record<string, unknown> }>();
  /** Answers that are neither success nor retryable, or 500s (a bug). */
  readonly refusals: string[] = [];

  private readonly pool: CloudEvent<unknown>[] = [];
  private readonly copiesLeft = new Map<CloudEvent<unknown>, number>();
  /** What changed since the source last sent (latest version per object): an incremental ApiServerSource. */
  private readonly changed = new Map<string, { obj: StoredObject; deleted: boolean }>();
  private readonly sent = new Set<string>();
  /** Jobs not finished yet, by name. */
  private readonly unfinished = new Map<string, StoredObject>();
  private readonly routes = loadTriggerRoutes();
  private readonly resyncState = newResyncState();
  private readonly clusters: Cluster[];

  private constructor(
    readonly api: FakeApiServer,
    private readonly stores: Store[],
    private readonly admin: Redis | RedisCluster,
    readonly namespace: string,
    private readonly random: () => number,
    private readonly options: ChaosOptions,
    private readonly failing: (task: string) => boolean,
    private readonly renderer: PromptRenderer,
  ) {
    this.clusters = stores.map(() => {
      const base = createKubernetesCluster(api.kubeConfig(), { requestTimeoutMs: 5_000 });
      return {
        ...base,
        createJob: async (job) => {
          const result = await base.createJob(job);
          if (result === 'created') {
            this.jobsCreated.set(job.metadata!.name!, (this.jobsCreated.get(job.metadata!.name!) ?? 0) + 1);
            this.jobArgs.set(job.metadata!.name!, job.spec!.template.spec!.containers[0]!.args ?? []);
          }
          return result;
        },
      };
    });
    api.onChange((obj, deleted) => {
      const watched = obj.kind === 'Task' || (obj.kind === 'Job' && typeof (obj.metadata.labels as Record<string, string> | undefined)?.['axon.io/task'] === 'string');
      if (!watched) return;
      const key = `${String(obj.kind)}/${String(obj.metadata.namespace)}/${String(obj.metadata.name)}`;
      this.changed.set(key, { obj: structuredClone(obj), deleted });
      if (obj.kind === 'Job') {
        if (deleted || jobFinished(obj)) this.unfinished.delete(String(obj.metadata.name));
        else this.unfinished.set(String(obj.metadata.name), obj);
      }
      if (obj.kind === 'Task' && deleted) this.deletedTasks.set(String(obj.metadata.name), structuredClone(obj));
      if (obj.kind !== 'Task' || deleted) return;
      const phase = String((obj.status as { phase?: string } | undefined)?.phase ?? '');
      const name = String(obj.metadata.name);
      const history = this.phaseHistory.get(name) ?? [];
      if (history.at(-1) !== phase) history.push(phase);
      this.phaseHistory.set(name, history);
    });
  }

  static async start(
    redis: RedisServer | RedisConnector,
    namespace: string,
    random: () => number,
    options: ChaosOptions,
    failing: (task: string) => boolean,
    renderer: PromptRenderer,
  ): Promise<ChaosEngine> {
    const api = await startFakeApiServer();
    // Killed connections reconnect; their errors are the point, not news.
    const connect = 'connect' in redis ? () => redis.connect() : () => new Redis(redis.url, { maxRetriesPerRequest: 1 });
    const clients = Array.from({ length: options.instances ?? 1 }, () => connect().on('error', () => undefined));
    const admin = ('connect' in redis ? redis.connect() : new Redis(redis.url)).on('error', () => undefined);
    const engine = new ChaosEngine(api, clients.map((c) => createRedisStore(c)), admin, namespace, random, options, failing, renderer);
    engine.clients.push(...clients, admin);
    return engine;
  }

  /** The first instance's store (all share one Redis). */
  get store(): Store {
    return this.stores[0]!;
  }

  /** Every Redis client, closed hard at the end: a connection killed mid-run may still be reconnecting. */
  private readonly clients: (Redis | RedisCluster)[] = [];

  async close(): Promise<void> {
    await this.api.close();
    for (const client of this.clients) client.disconnect(false);
  }

  apply(tasks: object[]): void {
    for (const task of tasks) {
      const copy = structuredClone(task) as { metadata: Record<string, unknown> };
      copy.metadata.namespace = this.namespace;
      this.api.put('tasks', copy);
    }
  }

  task(name: string): StoredObject & { status?: Record<string, unknown> } {
    return this.api.get('tasks', this.namespace, name)!;
  }

  /** The Task as it stands, or as it last stood before it was deleted. */
  lastKnown(name: string): (StoredObject & { status?: Record<string, unknown> }) | undefined {
    return this.api.get('tasks', this.namespace, name) ?? this.deletedTasks.get(name);
  }

  private deps(name: string, crash?: { calls: number; at: number; after: boolean }, instance = 0): FlowDeps {
    const emit = async (event: CloudEvent<unknown>) => this.emitted(event);
    const store = this.stores[instance]!;
    const cluster = this.clusters[instance]!;
    return {
      store: crash ? withCrash(store, crash) : store,
      cluster: crash ? withCrash(cluster, crash) : cluster,
      emit: crash ? withCrash({ emit }, crash).emit : emit,
      renderer: this.renderer,
      log: silent,
      config: { source: `/dendrite/${name}`, renderLimits: DEFAULT_RENDER_LIMITS, maxPromptBytes: MAX_SINGLE_ARGUMENT_BYTES },
      now: () => new Date(),
    };
  }

  private emitted(event: CloudEvent<unknown>): void {
    if (event.type === TASK_READY) {
      const data = event.data as TaskReadyData;
      this.readyPrompts.set(data.name, [...(this.readyPrompts.get(data.name) ?? []), data.prompt]);
      // A broker that gives up on an event sends it to the dead letters: lost for the engine.
      if (this.random() < this.options.lose) {
        this.stats.lost++;
        return;
      }
    }
    this.pool.push(event);
  }

  /** The watch events since the last call, one per changed object (its latest version). */
  private sourceEvents(): CloudEvent<unknown>[] {
    const events: CloudEvent<unknown>[] = [];
    for (const [key, { obj, deleted }] of this.changed) {
      if (deleted) {
        if (this.sent.delete(key)) events.push(apiServerEvent(APISERVER_DELETE, obj));
      } else {
        events.push(apiServerEvent(this.sent.has(key) ? APISERVER_UPDATE : APISERVER_ADD, obj));
        this.sent.add(key);
      }
    }
    this.changed.clear();
    return events;
  }

  private pollSource(): void {
    for (const event of this.sourceEvents()) {
      if (this.random() < this.options.lose) this.stats.lost++;
      else this.pool.push(event);
    }
  }

  private take(): CloudEvent<unknown> {
    const i = Math.floor(this.random() * this.pool.length);
    const [event] = this.pool.splice(i, 1);
    return event!;
  }

  private service(event: CloudEvent<unknown>): string | undefined {
    const attributes = event as unknown as Record<string, unknown>;
    // Exact-attribute routes only: the TaskSpawners' catch-all (spec.filters) is not run here.
    return this.routes.find((r) => !r.trigger.filters && Object.entries(r.attributes).every(([k, v]) => attributes[k] === v))?.service;
  }

  private async deliver(event: CloudEvent<unknown>): Promise<void> {
    const service = this.service(event);
    const factory = service ? SERVICES[service] : undefined;
    if (!factory) return; // routed nowhere we run (outcome events): dropped, as a Broker does
    if (!this.copiesLeft.has(event)) {
      let extra = this.options.alwaysDuplicate ? 1 : 0;
      while (extra < 2 && this.random() < this.options.duplicate) extra++;
      this.copiesLeft.set(event, extra);
    }
    const crash = this.random() < this.options.crash ? { calls: 0, at: 1 + Math.floor(this.random() * 8), after: this.random() < 0.5 } : undefined;
    const instance = Math.floor(this.random() * this.stores.length);
    const handler = factory(this.deps(service!, crash, instance))[event.type]!;
    this.stats.deliveries++;
    let status: number;
    try {
      const reply = await handler(event, handlerContext);
      if (reply) this.emitted(reply);
      status = reply ? 200 : 202;
    } catch (err) {
      const answer = answerFor(err);
      status = answer.status;
      if (err instanceof InjectedCrash) this.stats.crashes++;
      else {
        this.stats.transientFailures++;
        this.backOff = true;
      }
      if (!RETRYABLE(status) || status === 500) {
        this.refusals.push(`${service} ${event.type} ${event.subject}: ${status} ${answer.message} ${(err as Error).stack ?? ''}`);
        return;
      }
      this.stats.redeliveries++;
      this.pool.push(event);
      return;
    }
    const left = this.copiesLeft.get(event)!;
    if (left > 0) {
      this.copiesLeft.set(event, left - 1);
      this.stats.duplicates++;
      this.pool.push(event);
    }
  }

  private jobsToRun(): StoredObject[] {
    return [...this.unfinished.values()];
  }

  /** The kubelet and Job controller: start a Job, or run it to its end (the agent's log and condition). */
  private kubeletStep(jobs: StoredObject[]): void {
    const job = structuredClone(jobs[Math.floor(this.random() * jobs.length)]!) as StoredObject & {
      spec: { template: { spec: { containers: Array<{ name: string; args?: string[] }> } } };
      status?: Record<string, unknown>;
    };
    const name = String(job.metadata.name);
    const at = new Date().toISOString();
    if (!job.status?.startTime && this.random() < (this.options.startJobs ?? 0.6)) {
      this.api.put('jobs', { ...job, status: { active: 1, startTime: at } });
      return;
    }
    const container = job.spec.template.spec.containers[0]!;
    const prompt = container.args?.[0] ?? '';
    const task = String((job.metadata.labels as Record<string, string>)['axon.io/task']);
    const fails = this.failing(task);
    const log = fails ? 'giving up\n' : `working\n---AXON_OUTPUTS_START---\n${agentOutput(prompt)}\n---AXON_OUTPUTS_END---\n`;
    this.api.addJobPod(this.namespace, name, { logs: { [container.name]: log } });
    this.api.put('jobs', {
      ...job,
      status: fails
        ? { ...job.status, active: 0, failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'agent failed', lastTransitionTime: at }] }
        : { ...job.status, active: 0, succeeded: 1, completionTime: at, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: at }] },
    });
  }

  private injectFaults(): void {
    if (this.random() < this.options.apiFault) {
      const faults = [500, 503, 429, 409, 'reset'] as const;
      const status = faults[Math.floor(this.random() * faults.length)]!;
      this.api.failNext({}, { status, ...(status === 429 ? { retryAfter: 0 } : {}) });
      this.stats.apiFaults++;
    }
    if (this.random() < this.options.redisKill) {
      this.stats.redisKills++;
      // Mid-batch: the handlers' commands are on the wire when their connection dies.
      setImmediate(() => void this.admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes').catch(() => undefined));
    }
  }

  /**
   * `kubectl delete task` of a finished Task, between batches (no handler in flight), once the
   * index has recorded its outcome. (Deleted in the moment between a completion's status write
   * and its index record, a Task's dependents would wait as for a Task deleted before it
   * finished: the README says so.)
   */
  private async deleteByHand(): Promise<void> {
    if (!this.options.handDelete || !this.options.deletable || this.random() >= this.options.handDelete) return;
    const candidates: string[] = [];
    for (const task of this.api.list('tasks', this.namespace)) {
      const name = String(task.metadata.name);
      const phase = (task.status as { phase?: string } | undefined)?.phase;
      if (!this.options.deletable(name) || (phase !== 'Succeeded' && phase !== 'Failed')) continue;
      const entry = await this.store.get(this.namespace, name);
      if (entry?.state === (phase === 'Succeeded' ? 'succeeded' : 'failed')) candidates.push(name);
    }
    if (candidates.length === 0) return;
    const name = candidates[Math.floor(this.random() * candidates.length)]!;
    this.api.remove('tasks', this.namespace, name);
    this.api.remove('jobs', this.namespace, name);
    for (const pod of this.api.list('pods', this.namespace)) {
      if ((pod.metadata.labels as Record<string, string> | undefined)?.['job-name'] === name) this.api.remove('pods', this.namespace, String(pod.metadata.name));
    }
    this.handDeleted.push(name);
  }

  /** Delivers and runs Jobs until nothing is queued and no Job is left to run. */
  private async drive(maxSteps: number): Promise<void> {
    for (let step = 0; ; step++) {
      if (step > maxSteps) throw new Error(`no quiet after ${maxSteps} steps (${this.pool.length} events queued)`);
      this.pollSource();
      const jobs = this.jobsToRun();
      if (this.pool.length === 0 && jobs.length === 0) return;
      if (jobs.length > 0 && (this.pool.length === 0 || this.random() < 0.25)) {
        this.kubeletStep(jobs);
        continue;
      }
      const size = Math.min(this.pool.length, 1 + Math.floor(this.random() * this.options.concurrency));
      const batch = Array.from({ length: size }, () => this.take());
      await this.options.beforeBatch?.(this.stats);
      await this.deleteByHand();
      this.injectFaults();
      await Promise.all(batch.map((event) => this.deliver(event)));
      if (this.backOff && this.options.retryDelayMs) await new Promise((r) => setTimeout(r, this.options.retryDelayMs));
      this.backOff = false;
    }
  }

  /** Runs the schedule to its end: drive, then resync (what was lost) until a run repairs nothing. */
  async run(maxSteps = 200_000): Promise<void> {
    for (let round = 0; round < 30; round++) {
      await this.drive(maxSteps);
      const report = await runResync(
        { ...this.deps('resync'), log: silent },
        { ...DEFAULT_RESYNC_OPTIONS, namespaces: [this.namespace], lostJobGraceMs: 0, logTailBytes: 64 * 1024 },
        this.resyncState,
      );
      this.stats.resyncRuns++;
      this.stats.repairs.push(...report.repairs);
      if (report.aborted) continue; // a fault hit resync itself: run it again
      if (report.repairs.length === 0 && report.deferred === 0 && report.suspected === 0 && this.pool.length === 0) return;
    }
    throw new Error('resync did not settle in 30 rounds');
  }
}
