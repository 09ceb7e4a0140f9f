/**
 * Observability through the real apps: a Task graph driven over HTTP into task-intake,
 * launcher and job-status (memory store, the Kubernetes adapter against the fake API server),
 * checking what an operator sees — the Kubernetes Events `kubectl describe task` lists, the
 * Prometheus series, the traceparent carried onto caused events, and log lines that name
 * the event and the Task.
 */
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { CloudEvent, HTTP } from 'cloudevents';
import type { HttpApp } from '../../shared/http/routes.js';
import pino from 'pino';
import request from 'supertest';
import { createApp as createJobStatusApp } from '../../functions/job-status/app.js';
import { createApp as createLauncherApp } from '../../functions/launcher/app.js';
import { createApp as createTaskIntakeApp } from '../../functions/task-intake/app.js';
import { createKubernetesCluster } from '../../shared/cluster/kubernetes.js';
import { APISERVER_ADD, APISERVER_UPDATE, TASK_FAILED, TASK_READY, TASK_SUCCEEDED } from '../../shared/events/types.js';
import { MAX_SINGLE_ARGUMENT_BYTES, type FlowDeps } from '../../shared/flow/deps.js';
import { DEFAULT_JOB_CONFIG } from '../../shared/job/build.js';
import { createMetrics, type Metrics } from '../../shared/metrics/metrics.js';
import { createMemoryStore } from '../../shared/store/memory-store.js';
import { DEFAULT_RENDER_LIMITS } from '../../shared/template/index.js';
import { apiServerEvent } from '../support/apiserver-source.js';
import { startFakeApiServer, type FakeApiServer, type StoredObject } from '../support/fake-apiserver.js';
import { isolatedRenderer } from '../support/renderer.js';

/** The Kubernetes Events the issue promises on Tasks. */
const STORY = ['TaskCreated', 'TaskRunning', 'TaskSucceeded', 'TaskFailed', 'DependencyFailed', 'OutputsCaptured'];
const TRACE_A = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const TRACE_B = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const TRACE_C = '00-11111111111111111111111111111111-2222222222222222-01';

type Json = Record<string, any>;

function task(name: string, dependsOn: string[] = []): Json {
  return {
    apiVersion: 'axon.io/v1alpha1',
    kind: 'Task',
    metadata: { name, namespace: 'default' },
    spec: {
      type: 'claude-code',
      prompt: dependsOn.length ? `after {{ index .Deps "${dependsOn[0]}" "Outputs" }}` : `do ${name}`,
      credentials: { type: 'api-key', secretRef: { name: 'key' } },
      ...(dependsOn.length ? { dependsOn } : {}),
    },
  };
}

describe('observability through the apps', () => {
  let api: FakeApiServer;
  const renderer = isolatedRenderer();
  const lines: Json[] = [];
  const emitted: CloudEvent<unknown>[] = [];
  const metrics: Record<string, Metrics> = {};
  let apps: Record<string, HttpApp>;

  async function deliver(app: string, event: CloudEvent<unknown>) {
    const message = HTTP.binary(event);
    const res = await request(apps[app]!).post('/').set(message.headers as Record<string, string>).send(message.body as string);
    assert.ok(res.status === 200 || res.status === 202, `${app} answered ${res.status} ${res.text} to ${event.type}`);
    return res.status === 200 ? (HTTP.toEvent({ headers: res.headers, body: res.text }) as CloudEvent<unknown>) : undefined;
  }

  function withTrace(event: CloudEvent<unknown>, traceparent: string): CloudEvent<unknown> {
    return event.cloneWith({ traceparent } as never, false);
  }

  function stored(kind: 'tasks' | 'jobs', name: string): StoredObject & Json {
    const obj = api.get(kind, 'default', name);
    assert.ok(obj, `${kind}/${name} exists`);
    return obj as StoredObject & Json;
  }

  function eventReasons(name?: string): string[] {
    return api.list('events', 'default').filter((e) => !name || (e as Json).involvedObject.name === name).map((e) => (e as Json).reason as string);
  }

  function setJobStatus(name: string, status: Json): StoredObject {
    return api.put('jobs', { ...stored('jobs', name), status });
  }

  before(async () => {
    api = await startFakeApiServer();
    const cluster = createKubernetesCluster(api.kubeConfig());
    const store = createMemoryStore();
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Json);
        done();
      },
    });
    const log = pino({ level: 'debug' }, sink);
    const deps = (name: string): FlowDeps => {
      metrics[name] = createMetrics();
      return {
        store,
        cluster,
        renderer,
        log: log.child({ function: name }),
        emit: async (event) => void emitted.push(event),
        config: { source: `/dendrite/${name}`, renderLimits: DEFAULT_RENDER_LIMITS, maxPromptBytes: MAX_SINGLE_ARGUMENT_BYTES },
        now: () => new Date(),
        metrics: metrics[name],
      };
    };
    apps = {
      'task-intake': createTaskIntakeApp(deps('task-intake')),
      launcher: createLauncherApp(deps('launcher'), DEFAULT_JOB_CONFIG),
      'job-status': createJobStatusApp(deps('job-status'), { logTailBytes: 64 * 1024 }),
    };
  });
  after(() => Promise.all([api.close(), renderer.close()]));

  test('a Task graph tells its story in Kubernetes Events, metrics, traces and logs', async () => {
    // a ← b ← c: a succeeds, b fails, c fails because b did.
    for (const t of [task('a'), task('b', ['a']), task('c', ['b'])]) api.put('tasks', t);

    // task-intake replies task.ready for a, carrying the incoming trace.
    const readyA = await deliver('task-intake', withTrace(apiServerEvent(APISERVER_ADD, stored('tasks', 'a')), TRACE_A));
    assert.equal(readyA?.type, TASK_READY);
    assert.equal(readyA?.traceparent, TRACE_A);
    for (const name of ['b', 'c']) assert.equal(await deliver('task-intake', apiServerEvent(APISERVER_ADD, stored('tasks', name))), undefined);
    assert.equal(stored('tasks', 'b').status.phase, 'Waiting');

    // A redelivered add is not a second creation.
    await deliver('task-intake', withTrace(apiServerEvent(APISERVER_ADD, stored('tasks', 'a')), TRACE_A));
    assert.deepEqual(eventReasons('a'), ['TaskCreated']);

    await deliver('launcher', readyA!);
    const started = new Date(Date.now() - 90_000).toISOString();
    await deliver('job-status', apiServerEvent(APISERVER_UPDATE, setJobStatus('a', { active: 1, startTime: started })));
    assert.equal(stored('tasks', 'a').status.phase, 'Running');

    // a completes; the update carries another trace, which its consequences carry on.
    api.addJobPod('default', 'a', { logs: { 'claude-code': 'work\n---AXON_OUTPUTS_START---\nresult: 42\n---AXON_OUTPUTS_END---\n' } });
    const done = new Date().toISOString();
    const completeA = setJobStatus('a', { active: 0, succeeded: 1, startTime: started, completionTime: done, conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: done }] });
    emitted.length = 0;
    await deliver('job-status', withTrace(apiServerEvent(APISERVER_UPDATE, completeA), TRACE_B));
    // The released dependent first (the hand-off path), then the outcome for other systems.
    assert.deepEqual(emitted.map((e) => [e.type, e.subject, e.traceparent]), [
      [TASK_READY, '/namespaces/default/tasks/b', TRACE_B],
      [TASK_SUCCEEDED, '/namespaces/default/tasks/a', TRACE_B],
    ]);
    const readyB = emitted[0]!;
    // Redelivered: the same facts again, but counted once.
    await deliver('job-status', withTrace(apiServerEvent(APISERVER_UPDATE, completeA), TRACE_B));

    // b's Job fails; c fails with it.
    await deliver('launcher', readyB);
    emitted.length = 0;
    api.addJobPod('default', 'b', { logs: { 'claude-code': 'tests failed\n' } });
    const failedAt = new Date().toISOString();
    const failedB = setJobStatus('b', { active: 0, failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', lastTransitionTime: failedAt }] });
    await deliver('job-status', withTrace(apiServerEvent(APISERVER_UPDATE, failedB), TRACE_C));
    assert.deepEqual(emitted.map((e) => [e.type, e.subject, e.traceparent]), [
      [TASK_FAILED, '/namespaces/default/tasks/b', TRACE_C],
      [TASK_FAILED, '/namespaces/default/tasks/c', TRACE_C],
    ]);
    assert.equal(stored('tasks', 'c').status.phase, 'Failed');

    // kubectl describe task: the whole story is there.
    const reasons = new Set(eventReasons());
    assert.deepEqual(STORY.filter((r) => !reasons.has(r)), [], `recorded: ${[...reasons].join(', ')}`);
    assert.deepEqual(eventReasons('a'), ['TaskCreated', 'JobCreated', 'TaskRunning', 'TaskSucceeded', 'OutputsCaptured']);
    assert.deepEqual(eventReasons('c'), ['TaskCreated', 'TaskWaiting', 'DependencyFailed']);

    // Metrics, as scraped from each app.
    const scrape = async (app: string) => (await request(apps[app]!).get('/metrics')).text;
    const jobStatus = await scrape('job-status');
    assert.match(jobStatus, /^dendrite_task_completed_total\{namespace="default",phase="Succeeded"\} 1$/m);
    assert.match(jobStatus, /^dendrite_task_completed_total\{namespace="default",phase="Failed"\} 2$/m);
    assert.match(jobStatus, /^dendrite_task_duration_seconds_count\{namespace="default",phase="Succeeded"\} 1$/m);
    assert.match(jobStatus, /^dendrite_task_duration_seconds_bucket\{le="60",namespace="default",phase="Succeeded"\} 0$/m, 'a 90 s run');
    assert.match(jobStatus, /^dendrite_task_duration_seconds_bucket\{le="120",namespace="default",phase="Succeeded"\} 1$/m);
    assert.match(jobStatus, /^dendrite_event_handling_seconds_count\{function="job-status",type="dev.knative.apiserver.resource.update"\} 4$/m);
    const launcher = await scrape('launcher');
    assert.match(launcher, /^dendrite_task_created_total\{namespace="default",type="claude-code"\} 2$/m);
    assert.match(launcher, /^dendrite_dependency_wait_seconds_count\{namespace="default"\} 1$/m, 'only b waited for dependencies');
    const intake = await scrape('task-intake');
    assert.match(intake, /^dendrite_event_handling_seconds_count\{function="task-intake",type="dev.knative.apiserver.resource.add"\} 4$/m);

    // Every log line about an event names it and its Task.
    const eventLines = lines.filter((l) => l.ceId !== undefined);
    assert.ok(eventLines.length >= 5, `only ${eventLines.length} event log lines`);
    for (const line of eventLines) {
      for (const field of ['ceId', 'ceType', 'ceSubject', 'task', 'namespace', 'function']) {
        assert.equal(typeof line[field], 'string', `${field} missing in ${JSON.stringify(line)}`);
      }
    }
  });

  test('a refused event\'s log line names the Task too', async () => {
    lines.length = 0;
    // Names a Task, then fails on its data: the shell's own refusal line carries the Task.
    const bad = new CloudEvent({ type: TASK_READY, source: '/test', subject: '/namespaces/default/tasks/x', data: { namespace: 'default', name: 'x', uid: 'u', prompt: 'p' } });
    api.failNext({ method: 'GET', pathIncludes: '/tasks/x' }, { status: 503 });
    const message = HTTP.binary(bad);
    const res = await request(apps.launcher!).post('/').set(message.headers as Record<string, string>).send(message.body as string);
    assert.equal(res.status, 503);
    const refusal = lines.find((l) => l.msg === 'handler refused event');
    assert.ok(refusal, JSON.stringify(lines));
    assert.equal(refusal.task, 'x');
    assert.equal(refusal.ceType, TASK_READY);
  });
});
