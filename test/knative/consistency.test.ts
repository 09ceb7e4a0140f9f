/**
 * The deployment agrees with the code: routes reach the functions that take them, every type
 * emitted is routed, the Job source selects the Jobs the builder makes, RBAC is exactly the
 * adapter's API calls, and images, commands, ports, probes and env vars point at things that
 * exist. Everything compared is derived from the code, not restated here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { createHandlers as jobStatusHandlers, FUNCTION_NAME as JOB_STATUS } from '../../functions/job-status/app.js';
import { createHandlers as launcherHandlers, FUNCTION_NAME as LAUNCHER } from '../../functions/launcher/app.js';
import { ACCEPTED_KINDS as TASK_INTAKE_KINDS, createHandlers as taskIntakeHandlers, FUNCTION_NAME as TASK_INTAKE } from '../../functions/task-intake/app.js';
import { FUNCTION_NAME as DEAD_LETTER } from '../../functions/dead-letter/app.js';
import { createHandlers as resyncHandlers, FUNCTION_NAME as RESYNC } from '../../functions/resync/app.js';
import { createHandlers as taskSubmitHandlers, FUNCTION_NAME as TASK_SUBMIT } from '../../functions/task-submit/app.js';
import { createHandlers as taskSpawnerHandlers, FUNCTION_NAME as TASK_SPAWNER } from '../../functions/task-spawner/app.js';
import { FUNCTION_NAME as GITHUB_WEBHOOK } from '../../functions/github-webhook/app.js';
import { TASK_SPAWNER_API_CALLS } from '../../shared/cluster/kubernetes-spawners.js';
import { matches, parseTriggers } from '../../shared/local/triggers.js';
import { CloudEvent } from 'cloudevents';
import { DEFAULT_RESYNC_OPTIONS } from '../../shared/resync/config.js';
import { KUBERNETES_API_CALLS, TASK_SUBMIT_API_CALLS } from '../../shared/cluster/kubernetes.js';
import * as eventTypes from '../../shared/events/types.js';
import type { FlowDeps } from '../../shared/flow/deps.js';
import { createFunctionApp } from '../../shared/http/function-app.js';
import { buildJob, DEFAULT_JOB_CONFIG, TASK_LABEL } from '../../shared/job/build.js';
import { readBaseConfig, readConfig } from '../../shared/runtime/config.js';
import { TASK_API_VERSION, TASK_KIND, TASK_PLURAL, type Task } from '../../shared/task/model.js';
import { allManifests, appliedManifests, appliedWith, components, kustomizationFiles, manifestFiles, ofKind, REPO, type Json, type Manifest } from './manifests.js';

const applied = appliedManifests();
const SERVING = 'serving.knative.dev/v1';
const services = ofKind(applied, SERVING, 'Service');
const triggers = ofKind(applied, 'eventing.knative.dev/v1', 'Trigger');
const sources = ofKind(applied, 'sources.knative.dev/v1', 'ApiServerSource');

/** Accepts every type (its app has a fallback handler). */
const ANY = '*';

// Handlers are only built, never called: the deps are not touched.
const noDeps = {} as FlowDeps;
const ACCEPTS: Record<string, string[]> = {
  [TASK_INTAKE]: Object.keys(taskIntakeHandlers(noDeps)),
  [JOB_STATUS]: Object.keys(jobStatusHandlers(noDeps, { logTailBytes: 1024 })),
  [LAUNCHER]: Object.keys(launcherHandlers(noDeps, DEFAULT_JOB_CONFIG)),
  [DEAD_LETTER]: [ANY],
  [RESYNC]: Object.keys(resyncHandlers(noDeps, DEFAULT_RESYNC_OPTIONS)),
  [TASK_SUBMIT]: Object.keys(taskSubmitHandlers(noDeps, { namespaces: ['default'], schema: (() => true) as never })),
  // Its ticks by name; every other system's event reaches its fallback (the cloudEvent spawners).
  // Takes GitHub's own HTTP deliveries, no CloudEvent: no Trigger routes to it.
  [GITHUB_WEBHOOK]: [],
  [TASK_SPAWNER]: [...Object.keys(taskSpawnerHandlers({ config: {} } as FlowDeps, {} as never, { namespaces: ['default'], maxCatchUp: 1 })), ANY],
};

interface Route {
  trigger: string;
  broker: string;
  filter: Record<string, string>;
  subscriber: { apiVersion?: string; kind?: string; name?: string; uri?: string };
}

const routes: Route[] = triggers.map((t) => ({
  trigger: t.name,
  broker: String(t.doc.spec?.broker ?? ''),
  filter: (t.doc.spec?.filter?.attributes ?? {}) as Record<string, string>,
  subscriber: (t.doc.spec?.subscriber?.ref ?? { uri: t.doc.spec?.subscriber?.uri }) as Route['subscriber'],
}));

function service(name: string): Manifest {
  const found = services.find((s) => s.name === name);
  assert.ok(found, `no Knative Service ${name} in knative/`);
  return found;
}

function container(svc: Manifest): Json {
  const containers = svc.doc.spec.template.spec.containers as Json[];
  assert.equal(containers.length, 1, `${svc.name}: one container`);
  return containers[0]!;
}

/** matchLabels and matchExpressions, as the API server evaluates a LabelSelector. */
function selects(selector: Json, labels: Record<string, string>): boolean {
  const byLabels = Object.entries((selector.matchLabels ?? {}) as Record<string, string>).every(([k, v]) => labels[k] === v);
  const byExpressions = ((selector.matchExpressions ?? []) as Json[]).every((e) => {
    const has = Object.hasOwn(labels, e.key);
    switch (e.operator) {
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      case 'In':
        return has && (e.values as string[]).includes(labels[e.key]!);
      case 'NotIn':
        return !has || !(e.values as string[]).includes(labels[e.key]!);
      default:
        throw new Error(`unknown selector operator ${e.operator}`);
    }
  });
  return byLabels && byExpressions;
}

/** The Roles bound to a ServiceAccount (in this namespace), flattened to apiGroup/resource/verb. */
function grantsOf(serviceAccount: string): string[] {
  const bindings = ofKind(applied, 'rbac.authorization.k8s.io/v1', 'RoleBinding').filter((b) =>
    ((b.doc.subjects ?? []) as Json[]).some((s) => s.kind === 'ServiceAccount' && s.name === serviceAccount && !s.namespace),
  );
  const grants = new Set<string>();
  for (const binding of bindings) {
    assert.equal(binding.doc.roleRef.kind, 'Role', `${binding.name} binds a Role`);
    const role = ofKind(applied, 'rbac.authorization.k8s.io/v1', 'Role').find((r) => r.name === binding.doc.roleRef.name);
    assert.ok(role, `RoleBinding ${binding.name} refers to Role ${binding.doc.roleRef.name}, defined here`);
    for (const rule of (role.doc.rules ?? []) as Json[]) {
      assert.equal(rule.resourceNames, undefined);
      for (const group of rule.apiGroups as string[]) {
        for (const resource of rule.resources as string[]) {
          for (const verb of rule.verbs as string[]) grants.add(`${group}/${resource}:${verb}`);
        }
      }
    }
  }
  return [...grants].sort();
}

/**
 * The env vars a config reader looks at, found by running it: every key it reads is recorded;
 * a missing or malformed required one (named in the ConfigError) is supplied and it runs again.
 */
function configKeys(read: (env: Record<string, string | undefined>) => unknown): { read: Set<string>; required: Set<string> } {
  const supplied: Record<string, string> = {};
  const seen = new Set<string>();
  for (let attempt = 0; attempt < 50; attempt++) {
    const env = new Proxy(supplied, {
      get(target, key) {
        if (typeof key === 'string') seen.add(key);
        return typeof key === 'string' ? target[key] : undefined;
      },
    });
    try {
      read(env);
      return { read: seen, required: new Set(Object.keys(supplied)) };
    } catch (err) {
      const match = /^([A-Z][A-Z0-9_]*) (?:is not set|must be an integer ≥ (\d+))/.exec((err as Error).message);
      if (!match) throw err;
      supplied[match[1]!] = match[2] ?? (match[1] === 'REDIS_URL' ? 'redis://127.0.0.1:9' : 'http://127.0.0.1:9');
    }
  }
  throw new Error('config reader never succeeded');
}

/** What the function's main.ts reads: startStandalone → the base config only (no Redis, API or sink). */
function configOf(fn: string): { standalone: boolean; read: (env: Record<string, string | undefined>) => unknown } {
  const main = readFileSync(join(REPO, 'functions', fn, 'main.ts'), 'utf8');
  if (main.includes('startStandalone(')) return { standalone: true, read: (env) => readBaseConfig(env, fn) };
  assert.match(main, /startFunction\(/, `functions/${fn}/main.ts starts through startFunction or startStandalone`);
  return { standalone: false, read: (env) => readConfig(env, fn) };
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(REPO, dir)).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(join(REPO, path)).isDirectory()) return sourceFiles(path);
    return entry.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The event types the functions emit: every `newEvent({ type: X, ... })` in the functions and
 * the shared flows (the local mode's Knative stand-ins excluded), X resolved through
 * shared/events/types.ts.
 */
function emittedTypes(): Map<string, string[]> {
  const constants = eventTypes as unknown as Record<string, unknown>;
  const found = new Map<string, string[]>();
  const files = [...sourceFiles('functions'), ...sourceFiles('shared')].filter((f) => !f.startsWith('shared/local/'));
  for (const file of files) {
    const text = readFileSync(join(REPO, file), 'utf8');
    for (const call of text.matchAll(/\bnewEvent\s*(?:<[^>]*>)?\s*\(/g)) {
      if (/function\s+$/.test(text.slice(Math.max(0, call.index - 20), call.index))) continue; // its definition
      const type = /\btype:\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(call.index, call.index + 600));
      assert.ok(type, `${file}: a newEvent call without a recognisable type constant`);
      const value = constants[type[1]!];
      assert.equal(typeof value, 'string', `${file}: ${type[1]} is not a constant of shared/events/types.ts`);
      found.set(value as string, [...(found.get(value as string) ?? []), file]);
    }
  }
  return found;
}

const sampleTask: Task = {
  apiVersion: TASK_API_VERSION,
  kind: TASK_KIND,
  metadata: { name: 'synthesize-design', namespace: 'default', uid: 'uid-1' },
  spec: { type: 'claude-code', prompt: 'hi', credentials: { type: 'api-key', secretRef: { name: 'key' } } },
};

test('kustomization.yaml applies every manifest in knative/ (a component\'s when it is turned on), each once, and names its one image', () => {
  const { files, images } = kustomizationFiles();
  const optional = components();
  assert.deepEqual([...files, ...optional.flatMap((c) => c.files)].sort(), manifestFiles('knative').sort());
  // Each component is offered where it is turned on.
  const kustomization = readFileSync(join(REPO, 'knative', 'kustomization.yaml'), 'utf8');
  for (const c of optional) assert.match(kustomization, new RegExp(`#\\s+- ${c.folder.replace(/^knative\//, '')}\\n`), `${c.folder} is offered in kustomization.yaml`);
  assert.equal(new Set(files).size, files.length);
  const keys = applied.map((m) => `${m.apiVersion} ${m.kind} ${m.name}`);
  assert.deepEqual(keys.filter((k, i) => keys.indexOf(k) !== i), [], 'two objects with the same kind and name');
  assert.equal(images.length, 1);
  assert.ok(images[0]!.newName && images[0]!.newTag, 'the image entry says where the built image is');
  // Installs into one namespace: no cluster-wide objects besides the CRD (applied separately).
  assert.deepEqual(applied.filter((m) => m.doc.metadata?.namespace !== undefined || /^Cluster/.test(m.kind)).map((m) => m.name), []);
});

test('applied in an order where nothing waits for what comes after it', () => {
  assert.equal(kustomizationFiles().order, 'fifo', 'kubectl keeps the listed order');
  const position = (kind: string, name: string) => applied.findIndex((m) => m.kind === kind && m.name === name);
  const users = [...services, ...sources];
  for (const user of users) {
    const account = (user.doc.spec.template?.spec.serviceAccountName ?? user.doc.spec.serviceAccountName) as string;
    assert.ok(position('ServiceAccount', account) >= 0 && position('ServiceAccount', account) < applied.indexOf(user), `${account} before ${user.name}`);
  }
  const firstService = Math.min(...services.map((s) => applied.indexOf(s)));
  assert.ok(applied.findIndex((m) => m.kind === 'SinkBinding') < firstService, 'the SinkBinding before the functions: their first revision gets K_SINK');
  const lastTrigger = Math.max(...triggers.map((t) => applied.indexOf(t)));
  assert.ok(sources.every((s) => applied.indexOf(s) > lastTrigger), 'the Triggers before the sources start sending');
});

test('one Knative Service per function, each started by the image entry point of that function', () => {
  const functions = readdirSync(join(REPO, 'functions')).filter((f) => statSync(join(REPO, 'functions', f)).isDirectory()).sort();
  assert.deepEqual(Object.keys(ACCEPTS).sort(), functions, 'every function has its accepted types in this test');
  assert.deepEqual(services.map((s) => s.name).sort(), functions);
  const [image] = kustomizationFiles().images;
  for (const svc of services) {
    const c = container(svc);
    assert.equal(c.image, image!.name, `${svc.name}: the kustomization's image`);
    // The shipped bundle (scripts/bundle.mjs names one per functions/<name>/main.ts).
    assert.deepEqual([...c.command, ...c.args], ['node', 'dist/bundle/start.cjs', svc.name]);
    assert.ok(existsSync(join(REPO, 'functions', svc.name, 'main.ts')));
  }
});

test('ports, probes, scaling and resources of every Service', async () => {
  const defaultPort = readBaseConfig({}, 'probe').port;
  const app = createFunctionApp({ name: 'probe', handlers: {}, log: pino({ level: 'silent' }) });
  for (const svc of services) {
    const c = container(svc);
    const template = svc.doc.spec.template;
    assert.deepEqual(c.ports, [{ containerPort: defaultPort }], `${svc.name}: one port; Knative sets PORT from it`);
    assert.equal(template.metadata.annotations['prometheus.io/port'], String(defaultPort));
    assert.equal(template.metadata.annotations['prometheus.io/path'], '/metrics');
    // Only the webhook receiver is reached from outside (GitHub posts to it); it checks every delivery's signature.
    if (svc.name === GITHUB_WEBHOOK) assert.equal(svc.doc.metadata.labels['networking.knative.dev/visibility'], undefined, `${svc.name}: public`);
    else assert.equal(svc.doc.metadata.labels['networking.knative.dev/visibility'], 'cluster-local', `${svc.name}: not exposed`);
    for (const [probe, path] of [['readinessProbe', '/readyz'], ['livenessProbe', '/healthz']] as const) {
      assert.equal(c[probe]?.httpGet?.path, path, `${svc.name} ${probe}`);
      assert.equal(c[probe].httpGet.port, undefined, 'Knative probes the serving port');
      assert.equal((await request(app).get(path)).status, 200, `the function shell answers ${path}`);
    }
    const annotations = template.metadata.annotations as Record<string, string>;
    const target = Number(annotations['autoscaling.knative.dev/target']);
    assert.ok(target > 0 && target <= template.spec.containerConcurrency, `${svc.name}: target within containerConcurrency`);
    assert.ok(Number(annotations['autoscaling.knative.dev/max-scale']) >= 1);
    assert.ok(template.spec.timeoutSeconds > 0 && template.spec.timeoutSeconds <= 300);
    assert.ok(c.resources?.requests?.memory && c.resources?.limits?.memory, `${svc.name}: memory request and limit`);
    assert.equal(c.securityContext?.runAsNonRoot, true);
  }
});

test('env vars set on each Service are read by its config, and what its config requires is provided', () => {
  const secrets = ofKind(applied, 'v1', 'Secret');
  const bindings = ofKind(applied, 'sources.knative.dev/v1', 'SinkBinding');
  const brokers = ofKind(applied, 'eventing.knative.dev/v1', 'Broker').map((b) => b.name);
  for (const svc of services) {
    const keys = configKeys(configOf(svc.name).read);
    const env = (container(svc).env ?? []) as Json[];
    const names = env.map((e) => e.name as string);
    // Knative sets PORT and K_SERVICE; the SinkBinding sets K_SINK.
    for (const reserved of ['PORT', 'K_SERVICE', 'K_SINK']) assert.ok(!names.includes(reserved), `${svc.name} sets ${reserved}`);
    assert.deepEqual(names.filter((n) => !keys.read.has(n)), [], `${svc.name}: env vars its config never reads`);
    for (const e of env.filter((e) => e.valueFrom)) {
      const ref = e.valueFrom.secretKeyRef;
      assert.ok(ref, `${svc.name} ${e.name}: only Secret references`);
      const secret = secrets.find((s) => s.name === ref.name);
      assert.ok(secret && Object.hasOwn({ ...secret.doc.data, ...secret.doc.stringData }, ref.key), `${svc.name}: Secret ${ref.name} has ${ref.key}`);
    }
    const labels = svc.doc.metadata.labels as Record<string, string>;
    const bound = bindings.filter((b) => b.doc.spec.subject.kind === 'Service' && b.doc.spec.subject.apiVersion === SERVING && selects(b.doc.spec.subject.selector, labels));
    for (const key of keys.required) {
      if (key === 'K_SINK') {
        assert.equal(bound.length, 1, `${svc.name}: exactly one SinkBinding injects K_SINK`);
        assert.ok(brokers.includes(bound[0]!.doc.spec.sink.ref.name), 'it sinks to the Broker');
      } else {
        assert.ok(names.includes(key), `${svc.name}: required ${key} is set`);
      }
    }
    if (!keys.required.has('K_SINK')) assert.equal(bound.length, 0, `${svc.name} emits nothing and needs no K_SINK`);
  }
});

test('every Trigger goes from the Broker to a Service defined here that accepts what it routes', () => {
  const brokers = ofKind(applied, 'eventing.knative.dev/v1', 'Broker').map((b) => b.name);
  for (const t of triggers) {
    // The local mode's broker reads filter.attributes, and of `filters` only what
    // shared/local/triggers.ts understands: a Trigger with `filters` goes to a function that takes any type.
    if (t.doc.spec.filters === undefined) continue;
    assert.deepEqual(parseTriggers(JSON.stringify(t.doc))[0]!.filters!.length, t.doc.spec.filters.length, t.name);
    assert.ok(ACCEPTS[t.doc.spec.subscriber.ref.name]!.includes(ANY), `${t.name}: ${t.doc.spec.subscriber.ref.name} takes any type`);
  }
  for (const route of routes.filter((r) => triggers.find((t) => t.name === r.trigger)!.doc.spec.filters === undefined)) {
    assert.ok(brokers.includes(route.broker), `${route.trigger}: Broker ${route.broker} is defined here`);
    assert.equal(route.subscriber.apiVersion, SERVING, `${route.trigger}: subscriber is a Knative Service`);
    assert.equal(route.subscriber.kind, 'Service');
    service(route.subscriber.name ?? '');
    const accepts = ACCEPTS[route.subscriber.name!]!;
    assert.ok(route.filter.type, `${route.trigger}: filters on type`);
    assert.ok(accepts.includes(ANY) || accepts.includes(route.filter.type), `${route.trigger}: ${route.subscriber.name} does not accept ${route.filter.type}`);
  }
});

test('every type a function accepts reaches it; ApiServerSource events are split by kind', () => {
  const kindsOf: Record<string, readonly string[]> = { [TASK_INTAKE]: TASK_INTAKE_KINDS, [JOB_STATUS]: [String(buildJob(sampleTask, 'p', DEFAULT_JOB_CONFIG).kind)] };
  assert.deepEqual(TASK_INTAKE_KINDS, [TASK_KIND, 'Workspace', 'AgentConfig']);
  for (const [fn, accepts] of Object.entries(ACCEPTS)) {
    for (const type of accepts.filter((t) => t !== ANY)) {
      const reaching = routes.filter((r) => r.subscriber.name === fn && r.filter.type === type);
      assert.ok(reaching.length > 0, `no Trigger routes ${type} to ${fn}`);
      if ((eventTypes.APISERVER_TYPES as readonly string[]).includes(type)) {
        for (const r of reaching) assert.ok(kindsOf[fn]!.includes(r.filter.kind!), `${r.trigger}: ${fn} takes ${kindsOf[fn]!.join(', ')} objects only`);
      }
    }
  }
  // Every kind a function takes is routed to it when created and when changed.
  for (const [fn, kinds] of Object.entries(kindsOf)) {
    for (const kind of kinds) {
      for (const type of [eventTypes.APISERVER_ADD, eventTypes.APISERVER_UPDATE]) {
        assert.ok(routes.some((r) => r.subscriber.name === fn && r.filter.type === type && r.filter.kind === kind), `no Trigger routes ${type} of ${kind} to ${fn}`);
      }
    }
  }
  // Every kind a Trigger filters on is sent by an ApiServerSource into the same Broker.
  for (const route of routes.filter((r) => r.filter.kind)) {
    const sending = sources.filter((s) =>
      s.doc.spec.sink.ref.name === route.broker && (s.doc.spec.resources as Json[]).some((r) => r.kind === route.filter.kind),
    );
    assert.equal(sending.length, 1, `${route.trigger}: one ApiServerSource sends ${route.filter.kind}`);
  }
});

test('every event type a function emits is routed by some Trigger', (t) => {
  const emitted = emittedTypes();
  assert.ok(emitted.size > 0, 'found no newEvent calls');
  t.diagnostic(`emitted: ${[...emitted.keys()].sort().join(', ')}`);
  for (const [type, files] of emitted) {
    const parsed = parseTriggers(triggers.map((t) => JSON.stringify(t.doc)).join('\n---\n'));
    const byFilters = parsed.some((t) => t.filters && matches(t, new CloudEvent({ type, source: '/x', id: '1' })));
    assert.ok(routes.some((r) => r.filter.type === type) || byFilters, `${type} (emitted in ${files.join(', ')}) reaches no Trigger`);
  }
});

test('ApiServerSources: Resource mode, Tasks, what Tasks name and the Jobs the builder labels, each with its own get/list/watch', () => {
  const job = buildJob(sampleTask, 'prompt', DEFAULT_JOB_CONFIG);
  const jobLabels = job.metadata!.labels!;
  const watched = sources.map((s) => {
    assert.equal(s.doc.spec.mode, 'Resource', `${s.name}: the data must be the whole object`);
    return { source: s, resources: s.doc.spec.resources as Json[] };
  });
  const watching = (...kinds: string[]) =>
    watched.filter((w) => w.resources.length === kinds.length && kinds.every((k, i) => w.resources[i]!.kind === k));
  const tasks = watching(TASK_KIND);
  const jobs = watching(String(job.kind));
  const references = watching('Workspace', 'AgentConfig');
  assert.equal(tasks.length, 1);
  assert.equal(tasks[0]!.resources[0]!.apiVersion, TASK_API_VERSION);
  assert.equal(jobs.length, 1);
  assert.equal(jobs[0]!.resources[0]!.apiVersion, job.apiVersion);
  assert.equal(references.length, 1);
  assert.ok(references[0]!.resources.every((r) => r.apiVersion === TASK_API_VERSION && r.selector === undefined), 'every Workspace and AgentConfig');
  assert.equal(watched.length, 3);
  const resource = { source: jobs[0]!.source, resource: jobs[0]!.resources[0]! };

  const selector = resource.resource.selector as Json;
  assert.ok(selects(selector, jobLabels), 'the Job source selects the Jobs buildJob makes');
  assert.ok(!selects(selector, { 'app.kubernetes.io/managed-by': 'someone-else' }), 'and not every Job');
  assert.ok(((selector.matchExpressions ?? []) as Json[]).some((e) => e.key === TASK_LABEL && e.operator === 'Exists'));

  const group = TASK_API_VERSION.split('/')[0];
  const plural: Record<string, string> = {
    [TASK_KIND]: `${group}/${TASK_PLURAL}`,
    Workspace: `${group}/workspaces`,
    AgentConfig: `${group}/agentconfigs`,
    [String(job.kind)]: 'batch/jobs',
  };
  const accounts = new Set<string>();
  for (const { source, resources } of watched) {
    const account = source.doc.spec.serviceAccountName as string;
    assert.ok(ofKind(applied, 'v1', 'ServiceAccount').some((sa) => sa.name === account), `${source.name}: ServiceAccount ${account} defined`);
    accounts.add(account);
    const expected = resources.flatMap((r) => ['get', 'list', 'watch'].map((verb) => `${plural[r.kind]!}:${verb}`)).sort();
    assert.deepEqual(grantsOf(account), expected, `${source.name}: exactly get/list/watch on what it watches`);
  }
  assert.equal(accounts.size, 3, 'each source has its own ServiceAccount');
});

test('the functions\' RBAC is exactly the API calls the Kubernetes adapter makes, and never Secrets', () => {
  const grantsFor = (calls: typeof KUBERNETES_API_CALLS) => [...new Set(calls.map((c) => `${c.apiGroup}/${c.resource}:${c.verb}`))].sort();
  // task-submit and task-spawner alone create Tasks, each with its own Role; the rest share one.
  // github-webhook calls no API (it needs its token only to start like its peers).
  const expectedOf = (fn: string) =>
    fn === GITHUB_WEBHOOK ? [] : grantsFor(fn === TASK_SUBMIT ? TASK_SUBMIT_API_CALLS : fn === TASK_SPAWNER ? TASK_SPAWNER_API_CALLS : KUBERNETES_API_CALLS);
  for (const svc of services) {
    const account = svc.doc.spec.template.spec.serviceAccountName as string;
    assert.ok(account, `${svc.name}: its own ServiceAccount`);
    const grants = grantsOf(account);
    if (!configOf(svc.name).standalone) {
      assert.deepEqual(grants, expectedOf(svc.name), `${svc.name}`);
    } else {
      assert.deepEqual(grants, [], `${svc.name} talks to no API`);
      const sa = ofKind(applied, 'v1', 'ServiceAccount').find((s) => s.name === account);
      assert.equal(sa?.doc.automountServiceAccountToken, false, `${svc.name}: no token mounted`);
    }
  }
  assert.equal(new Set(services.map((s) => s.doc.spec.template.spec.serviceAccountName)).size, services.length);
  // Nothing here may read Secrets or use wildcards.
  const rules = [...ofKind(applied, 'rbac.authorization.k8s.io/v1', 'Role'), ...ofKind(applied, 'rbac.authorization.k8s.io/v1', 'ClusterRole')]
    .flatMap((r) => (r.doc.rules ?? []) as Json[]);
  assert.ok(rules.length > 0);
  for (const rule of rules) {
    assert.ok(!rule.resources.some((r: string) => r === 'secrets' || r.includes('*')), JSON.stringify(rule));
    assert.ok(!rule.verbs.includes('*') && !rule.apiGroups.includes('*'), JSON.stringify(rule));
  }
});

test('Broker delivery: retries with exponential backoff, then the dead-letter receiver', () => {
  const [broker, ...others] = ofKind(applied, 'eventing.knative.dev/v1', 'Broker');
  assert.equal(others.length, 0);
  const delivery = broker!.doc.spec.delivery as Json;
  assert.ok(delivery.retry >= 3);
  assert.equal(delivery.backoffPolicy, 'exponential');
  assert.match(delivery.backoffDelay, /^PT\d+(\.\d+)?S$/);
  assert.deepEqual(delivery.deadLetterSink.ref, { apiVersion: SERVING, kind: 'Service', name: DEAD_LETTER });
  assert.deepEqual(ACCEPTS[DEAD_LETTER], [ANY], 'the dead-letter sink takes any type');
  // Every Trigger and source sends to this Broker.
  assert.ok(routes.every((r) => r.broker === broker!.name));
  assert.ok(sources.every((s) => s.doc.spec.sink.ref.kind === 'Broker' && s.doc.spec.sink.ref.name === broker!.name));
});

test('Redis: AOF on, and the Secret\'s URL points at its Service and port', () => {
  const [statefulSet] = ofKind(applied, 'apps/v1', 'StatefulSet');
  const [svc] = ofKind(applied, 'v1', 'Service').filter((s) => s.name === 'redis');
  assert.ok(statefulSet && svc);
  const redis = statefulSet.doc.spec.template.spec.containers[0] as Json;
  const args = redis.args as string[];
  assert.equal(args[args.indexOf('--appendonly') + 1], 'yes');
  assert.ok(statefulSet.doc.spec.volumeClaimTemplates.some((v: Json) => redis.volumeMounts.some((m: Json) => m.name === v.metadata.name && m.mountPath === args[args.indexOf('--dir') + 1])));
  assert.equal(statefulSet.doc.spec.serviceName, svc.name);
  assert.ok(selects({ matchLabels: svc.doc.spec.selector }, statefulSet.doc.spec.template.metadata.labels));
  const secret = ofKind(applied, 'v1', 'Secret').find((s) => s.name === 'dendrite-redis')!;
  const url = new URL(secret.doc.stringData.url);
  assert.equal(url.hostname, svc.name);
  assert.equal(Number(url.port), svc.doc.spec.ports[0].port);
  assert.equal(decodeURIComponent(url.password), secret.doc.stringData.password, 'the URL carries the password Redis requires');
  const passwordArg = args[args.indexOf('--requirepass') + 1];
  assert.equal(passwordArg, '$(REDIS_PASSWORD)');
  assert.ok((redis.env as Json[]).some((e) => e.name === 'REDIS_PASSWORD' && e.valueFrom.secretKeyRef.name === secret.name && e.valueFrom.secretKeyRef.key === 'password'));
});

/** The env a function's container gets, its Secret references resolved against `manifests` (as the kubelet would). */
function resolvedEnv(svc: Manifest, manifests: Manifest[]): Record<string, string> {
  const env: Record<string, string> = { K_SINK: 'http://broker.example/' };
  for (const e of (container(svc).env ?? []) as Json[]) {
    if (e.value !== undefined) env[e.name] = e.value;
    const ref = e.valueFrom?.secretKeyRef;
    if (!ref) continue;
    const secret = ofKind(manifests, 'v1', 'Secret').find((s) => s.name === ref.name);
    const value = { ...secret?.doc.data, ...secret?.doc.stringData }[ref.key];
    if (value !== undefined) env[e.name] = String(value);
    else assert.ok(ref.optional, `${svc.name}: ${e.name} refers to a missing key`);
  }
  return env;
}

test('every function reads one Redis shape from the Secret: the bundled Redis by default', () => {
  for (const svc of services.filter((s) => !configOf(s.name).standalone)) {
    const config = readConfig(resolvedEnv(svc, applied), svc.name);
    assert.equal(config.redis.shape.kind, 'single', svc.name);
  }
});

test('the redis-sentinel component: Sentinels beside each Redis pod, the one-replica Redis gone, the functions asking the Sentinels', () => {
  const component = components().find((c) => c.folder.endsWith('redis-sentinel'));
  assert.ok(component, 'knative/components/redis-sentinel exists');
  const withSentinel = appliedWith(component);
  const keys = withSentinel.map((m) => `${m.kind} ${m.name}`);
  assert.deepEqual(keys.filter((k, i) => keys.indexOf(k) !== i), [], 'two objects with the same kind and name');
  assert.ok(!withSentinel.some((m) => m.kind === 'StatefulSet' && m.name === 'redis'), 'the one-replica Redis is deleted');
  const [statefulSet, ...more] = ofKind(withSentinel, 'apps/v1', 'StatefulSet');
  assert.ok(statefulSet && more.length === 0);
  const svc = ofKind(withSentinel, 'v1', 'Service').find((s) => s.name === statefulSet.doc.spec.serviceName)!;
  assert.ok(svc, 'the StatefulSet\'s Service');
  assert.equal(svc.doc.spec.clusterIP, 'None');
  assert.equal(svc.doc.spec.publishNotReadyAddresses, true, 'pods resolve before they are ready (Sentinels find each other)');
  assert.ok(selects({ matchLabels: svc.doc.spec.selector }, statefulSet.doc.spec.template.metadata.labels));
  const replicas = statefulSet.doc.spec.replicas as number;
  assert.ok(replicas >= 3, 'a primary, two replicas, and three Sentinels for a quorum of 2');
  const containers = statefulSet.doc.spec.template.spec.containers as Json[];
  const sentinelPort = svc.doc.spec.ports.find((p: Json) => p.name === 'sentinel').port;
  assert.ok(containers.some((c) => c.command.includes('--sentinel') && c.ports.some((p: Json) => p.containerPort === sentinelPort)));
  // The script's monitored name and layout are what the Secret tells the functions.
  const script = ofKind(withSentinel, 'v1', 'ConfigMap').find((c) => c.name === 'redis-ha-scripts')!.doc.data['configure.sh'] as string;
  const masterName = /MASTER_NAME=(\S+)/.exec(script)?.[1];
  for (const fn of services.filter((s) => !configOf(s.name).standalone)) {
    const { redis } = readConfig(resolvedEnv(fn, withSentinel), fn.name);
    assert.equal(redis.shape.kind, 'sentinel', fn.name);
    if (redis.shape.kind !== 'sentinel') continue;
    assert.equal(redis.shape.masterName, masterName);
    assert.deepEqual(
      redis.shape.sentinels,
      Array.from({ length: replicas }, (_, i): { host: string; port: number } => ({ host: `${statefulSet.name}-${i}.${svc.name}`, port: sentinelPort })),
      'one Sentinel per pod, by its stable name',
    );
    assert.ok(redis.password, 'the data nodes\' password');
  }
  // Each pod's Redis and Sentinel get the same password as the functions.
  const init = statefulSet.doc.spec.template.spec.initContainers[0] as Json;
  assert.ok((init.env as Json[]).some((e) => e.name === 'REDIS_PASSWORD' && e.valueFrom.secretKeyRef.name === 'dendrite-redis' && e.valueFrom.secretKeyRef.key === 'password'));
  assert.match(script, /requirepass \$REDIS_PASSWORD/);
  assert.match(script, /masterauth \$REDIS_PASSWORD/);
  assert.match(script, /sentinel auth-pass \$MASTER_NAME \$REDIS_PASSWORD/);
});

test('knative/ and crds/ hold only documents with a kind and a name', () => {
  const all = allManifests();
  assert.ok(all.length >= applied.length);
  for (const m of all) assert.ok(m.kind && m.name && m.apiVersion, `${m.file}#${m.index}`);
});

// --- Who may send what (EventPolicies) -------------------------------------------------------

type Attributes = Record<string, string>;
type Filter = Record<string, unknown>;

/** The EventPolicy filter dialect (CloudEvents Subscriptions API), the parts Dendrite uses. */
function passes(filter: Filter, event: Attributes): boolean {
  const [[dialect, arg]] = Object.entries(filter) as [[string, unknown]];
  switch (dialect) {
    case 'exact':
      return Object.entries(arg as Attributes).every(([k, v]) => event[k] === v);
    case 'prefix':
      return Object.entries(arg as Attributes).every(([k, v]) => (event[k] ?? '').startsWith(v));
    case 'suffix':
      return Object.entries(arg as Attributes).every(([k, v]) => (event[k] ?? '').endsWith(v));
    case 'all':
      return (arg as Filter[]).every((f) => passes(f, event));
    case 'any':
      return (arg as Filter[]).some((f) => passes(f, event));
    case 'not':
      return !passes(arg as Filter, event);
    default:
      throw new Error(`filter dialect ${dialect} is not evaluated here`);
  }
}

const policies = ofKind(applied, 'eventing.knative.dev/v1alpha1', 'EventPolicy');
const senderOf = (from: Json) => (from.ref ? `${from.ref.kind}/${from.ref.name}` : `sub:${from.sub}`);

function admitted(sender: string, event: Attributes): boolean {
  return policies.some(
    (p) => (p.doc.spec.from as Json[]).some((f) => senderOf(f) === sender) && ((p.doc.spec.filters ?? []) as Filter[]).every((f) => passes(f, event)),
  );
}

test('EventPolicies guard the Broker: each identity may send exactly what it must, and no one else anything', () => {
  assert.ok(policies.length > 0, 'policies are applied');
  for (const p of policies) {
    assert.deepEqual(p.doc.spec.to, [{ ref: { apiVersion: 'eventing.knative.dev/v1', kind: 'Broker', name: 'dendrite' } }], `${p.name} guards the Broker`);
    for (const from of p.doc.spec.from as Json[]) {
      assert.ok(from.ref, `${p.name}: senders are named by ref to objects installed here`);
      assert.ok(applied.some((m) => m.kind === from.ref.kind && m.name === from.ref.name && m.apiVersion === from.ref.apiVersion), `${p.name}: ${senderOf(from)} is installed`);
    }
  }
  const apiEvent = (verb: string, kind: string) => ({ type: `dev.knative.apiserver.resource.${verb}`, kind });
  const sinkBinding = `SinkBinding/${ofKind(applied, 'sources.knative.dev/v1', 'SinkBinding')[0]!.name}`;
  // Replies reach the Broker as the Trigger that delivered the event: those routing Task adds and
  // updates to task-intake, which answers with task.ready (a delete is never answered, nor is
  // a Workspace or AgentConfig change: the Tasks it lets go are sent through the SinkBinding),
  // and task-submit's, answered with task.submitted.
  const replying = routes
    .filter((r) => r.subscriber.name === TASK_INTAKE && r.filter.kind === TASK_KIND && r.filter.type !== eventTypes.APISERVER_DELETE)
    .map((r) => `Trigger/${r.trigger}`);
  assert.equal(replying.length, 2);
  const submitting = routes.filter((r) => r.subscriber.name === TASK_SUBMIT).map((r) => `Trigger/${r.trigger}`);
  assert.deepEqual(submitting, ['Trigger/task-submit']);
  const cases: Array<[sender: string, event: Attributes, allowed: boolean]> = [
    ['ApiServerSource/dendrite-tasks', apiEvent('add', 'Task'), true],
    ['ApiServerSource/dendrite-tasks', apiEvent('update', 'Task'), true],
    ['ApiServerSource/dendrite-tasks', apiEvent('update', 'Job'), false],
    ['ApiServerSource/dendrite-tasks', { type: eventTypes.TASK_READY }, false],
    ['ApiServerSource/dendrite-references', apiEvent('add', 'Workspace'), true],
    ['ApiServerSource/dendrite-references', apiEvent('update', 'AgentConfig'), true],
    ['ApiServerSource/dendrite-references', apiEvent('update', 'Task'), false],
    ['ApiServerSource/dendrite-references', { type: eventTypes.TASK_READY }, false],
    ['ApiServerSource/dendrite-tasks', apiEvent('add', 'Workspace'), false],
    ['ApiServerSource/dendrite-jobs', apiEvent('update', 'Job'), true],
    ['ApiServerSource/dendrite-jobs', apiEvent('update', 'Task'), false],
    ['PingSource/dendrite-resync', { type: 'dev.knative.sources.ping' }, true],
    ['PingSource/dendrite-resync', { type: eventTypes.TASK_READY }, false],
    [sinkBinding, { type: eventTypes.JOB_COMPLETED }, false],
    [sinkBinding, apiEvent('update', 'Job'), false],
    ['sub:system:serviceaccount:default:default', { type: eventTypes.TASK_READY }, false],
    ['sub:system:serviceaccount:default:default', { type: eventTypes.JOB_COMPLETED }, false],
    ['sub:system:serviceaccount:default:default', apiEvent('update', 'Job'), false],
  ];
  // Sent through K_SINK (the SinkBinding's identity); task.submitted is only ever task-submit's reply.
  // github-webhook sends through a binding of its own, GitHub's types only; nothing else may send them.
  const githubBinding = 'SinkBinding/dendrite-github-webhook';
  for (const [type, files] of emittedTypes()) {
    if (type === eventTypes.TASK_SUBMITTED) continue;
    const fromWebhook = files.every((f) => f.startsWith(`functions/${GITHUB_WEBHOOK}/`));
    cases.push([fromWebhook ? githubBinding : sinkBinding, { type }, true], [fromWebhook ? sinkBinding : githubBinding, { type }, false]);
  }
  cases.push(['sub:system:serviceaccount:default:default', { type: eventTypes.GITHUB_ISSUES }, false]);
  cases.push([sinkBinding, { type: eventTypes.TASK_SUBMITTED }, false]);
  for (const trigger of replying) cases.push([trigger, { type: eventTypes.TASK_READY }, true], [trigger, apiEvent('add', 'Task'), false]);
  for (const trigger of submitting) {
    cases.push([trigger, { type: eventTypes.TASK_SUBMITTED }, true], [trigger, { type: eventTypes.TASK_SUBMIT }, false], [trigger, { type: eventTypes.TASK_READY }, false]);
  }
  // Nobody inside may submit work or report an external Task's outcome: producers are named by policies of their own.
  cases.push([sinkBinding, { type: eventTypes.TASK_SUBMIT }, false], ['sub:system:serviceaccount:default:default', { type: eventTypes.TASK_SUBMIT }, false]);
  const wrong = cases.filter(([sender, event, allowed]) => admitted(sender, event) !== allowed).map(([s, e, a]) => `${s} ${JSON.stringify(e)}: should be ${a ? 'admitted' : 'refused'}`);
  assert.deepEqual(wrong, []);
  // task.ready is admitted from Dendrite's own identities only.
  const readySenders = policies.filter((p) => ((p.doc.spec.filters ?? []) as Filter[]).every((f) => passes(f, { type: eventTypes.TASK_READY })));
  assert.deepEqual(readySenders.flatMap((p) => (p.doc.spec.from as Json[]).map(senderOf)).sort(), [sinkBinding, ...replying].sort());
});
