/**
 * One fan-in: N leaf Tasks, already launched, and a root Task that depends on all of them and
 * whose prompt reads one leaf's result. The leaves' completion events (ApiServerSource Job
 * updates with a Complete condition) are built up front, so that sending them costs the
 * driver as little as possible.
 */
import type { CloudEvent } from 'cloudevents';
import { neededDependencies } from '../../shared/flow/intake.js';
import { referencedDependencies } from '../../shared/template/index.js';
import type { Task } from '../../shared/task/model.js';
import type { BenchEngine } from './engine.js';
import { completedJob, jobEvent, jobFor, makeTask } from './objects.js';

export interface FanIn {
  namespace: string;
  root: Task;
  leaves: Task[];
  /** One Job-completed event per leaf, in sending order. */
  completions: CloudEvent<unknown>[];
}

/** The root's prompt (Go dialect): reads the first leaf's `branch` result. */
export function rootPrompt(firstLeaf: string): string {
  return `Merge the work of every dependency. Start from {{ index .Deps "${firstLeaf}" "Results" "branch" }}.`;
}

async function inBatches<T>(items: readonly T[], size: number, run: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

export async function setupFanIn(engine: BenchEngine, namespace: string, width: number): Promise<FanIn> {
  const leaves = Array.from({ length: width }, (_, i) => makeTask(namespace, `leaf-${i}`, [], `Do part ${i} of the work.`));
  const root = makeTask(namespace, 'root', leaves.map((l) => l.metadata.name), rootPrompt(leaves[0]!.metadata.name));
  for (const task of [...leaves, root]) engine.cluster.putTask(task);
  await inBatches(leaves, 200, async (leaf) => {
    const { name, uid } = leaf.metadata;
    const outcome = await engine.store.register({ namespace, name, uid, dependsOn: [], template: leaf.spec.prompt, dialect: 'go' });
    if (outcome.kind !== 'ready') throw new Error(`leaf ${name} registered as ${outcome.kind}`);
    if (!(await engine.store.markLaunched(namespace, name, uid))) throw new Error(`leaf ${name} not launched`);
  });
  const outcome = await engine.store.register({
    namespace,
    name: 'root',
    uid: root.metadata.uid,
    dependsOn: root.spec.dependsOn ?? [],
    template: root.spec.prompt,
    dialect: 'go',
    // As task-intake registers it: the store hands back only what the prompt reads.
    needs: neededDependencies(referencedDependencies(root.spec.prompt, 'go'), root.spec.dependsOn ?? []),
  });
  if (outcome.kind !== 'waiting') throw new Error(`root registered as ${outcome.kind}`);
  // The finished Jobs are in the cluster, as the API server holds them when their events arrive.
  const completions = leaves.map((leaf) => jobEvent('update', engine.cluster.putJob(completedJob(jobFor(leaf)))));
  return { namespace, root, leaves, completions };
}
