/**
 * The dashboard's view of a cluster (`dendrite dashboard`), through @kubernetes/client-node and
 * the user's kubeconfig, reading only: an informer lists and watches the Tasks (one namespace,
 * or all); a Task's Job (the prompt its agent received), Events and pod log are read when its
 * panel asks for them, so a 1,000-Task namespace costs one watch, not a thousand.
 */
import { CoreV1Api, CustomObjectsApi, makeInformer, type CoreV1Event, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { createKubernetesCluster } from '../../shared/cluster/kubernetes.js';
import { NotFoundError } from '../../shared/errors.js';
import { TASK_GROUP, TASK_PLURAL, TASK_VERSION, type Task } from '../../shared/task/model.js';
import type { EventStream } from '../serve/event-stream.js';
import { taskView } from '../serve/task-view.js';
import { readableLog } from './readable-log.js';
import { LOG_TAIL_BYTES, NO_LOG, type DashboardSource, type TaskEventView } from './source.js';

export interface ClusterSourceOptions {
  /** One namespace; every namespace when undefined (-A). */
  namespace?: string;
  stream: EventStream;
  /** Told when the watch fails (it is started again after `retryMs`). */
  onWatchError(err: unknown): void;
  retryMs?: number;
}

export interface ClusterDashboard extends DashboardSource {
  /** Resolves once the first list arrived (rejects when it failed). */
  started: Promise<void>;
  stop(): void;
}

type TaskObject = Task & KubernetesObject;

const created = (t: Task) => Date.parse(t.metadata.creationTimestamp ?? '') || 0;

/** A Task without dependencies is given its prompt as written; a dependent's is rendered into its Job. */
const writtenPrompt = (task: Task) => ((task.spec.dependsOn ?? []).length === 0 && task.spec.type !== 'external' ? task.spec.prompt : null);

function eventView(e: CoreV1Event): TaskEventView {
  const at = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp;
  return { type: e.type ?? '', reason: e.reason ?? '', message: e.message ?? '', count: e.count ?? 1, time: at ? new Date(at as unknown as string).toISOString() : null };
}

export function clusterDashboardSource(kc: KubeConfig, options: ClusterSourceOptions): ClusterDashboard {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const cluster = createKubernetesCluster(kc);
  const { namespace, stream } = options;
  const base = `/apis/${TASK_GROUP}/${TASK_VERSION}`;
  const path = namespace === undefined ? `${base}/${TASK_PLURAL}` : `${base}/namespaces/${namespace}/${TASK_PLURAL}`;
  const list = () =>
    (namespace === undefined
      ? custom.listClusterCustomObject({ group: TASK_GROUP, version: TASK_VERSION, plural: TASK_PLURAL })
      : custom.listNamespacedCustomObject({ group: TASK_GROUP, version: TASK_VERSION, namespace, plural: TASK_PLURAL })) as Promise<{
      items: TaskObject[];
      metadata?: { resourceVersion?: string };
    }>;
  const informer = makeInformer<TaskObject>(kc, path, list as never);
  const view = (task: Task) => taskView(task, writtenPrompt(task));
  informer.on('add', (task) => stream.send('task', view(task)));
  informer.on('update', (task) => stream.send('task', view(task)));
  informer.on('delete', (task) => stream.send('task-deleted', { namespace: task.metadata.namespace, name: task.metadata.name }));

  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  // The first list failing fails the start (the informer only reports it, and resolves).
  let starting = true;
  let startError: unknown;
  informer.on('error', (err) => {
    if (starting) {
      startError ??= err;
      return;
    }
    if (stopped) return;
    options.onWatchError(err);
    // client-node's informer stops on an error; it lists again and watches from there.
    retry = setTimeout(() => void informer.start().catch(() => undefined), options.retryMs ?? 2000);
  });

  const find = (ns: string, name: string) => informer.get(name, ns) as Task | undefined;

  return {
    stream,
    started: informer.start().then(() => {
      starting = false;
      if (startError !== undefined) throw startError;
    }),
    stop() {
      stopped = true;
      clearTimeout(retry);
      void informer.stop();
    },
    tasks: () => [...(informer.list() as Task[])].sort((a, b) => created(a) - created(b)).map(view),
    async detail(ns, name) {
      const task = find(ns, name) ?? (await cluster.getTask(ns, name));
      if (!task) return null;
      const [job, events] = await Promise.all([
        cluster.getJob(ns, task.status?.jobName ?? name),
        core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.kind=Task,involvedObject.name=${name}` }),
      ]);
      const args = job?.spec?.template.spec?.containers.find((c) => c.name === task.spec.type)?.args;
      const prompt = args?.[0] ?? writtenPrompt(task);
      const mine = events.items.filter((e) => !e.involvedObject.uid || e.involvedObject.uid === task.metadata.uid).map(eventView);
      mine.sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''));
      return { task: taskView(task, prompt), spec: task.spec as unknown as Record<string, unknown>, events: mine };
    },
    async log(ns, name) {
      const task = find(ns, name) ?? (await cluster.getTask(ns, name));
      if (!task) return null;
      if (task.spec.type === 'external') return NO_LOG;
      try {
        const log = await cluster.readJobLog(ns, task.status?.jobName ?? name, task.spec.type, LOG_TAIL_BYTES);
        return { podName: log.podName, lines: readableLog(task.spec.type, log.log) };
      } catch (err) {
        if (err instanceof NotFoundError) return NO_LOG;
        throw err;
      }
    },
  };
}
