/**
 * A layered DAG run through the ChaosEngine and checked against the reference model: for the
 * failover and resharding runs on multi-node Redis.
 */
import assert from 'node:assert/strict';
import type { ChaosEngine } from './chaos-engine.js';
import { expected, taskName, template, type Dag } from './model.js';

/** `layers` layers of `width`; each Task after the first layer depends on 1–3 Tasks of the layer before. */
export function layeredDag(random: () => number, layers: number, width: number, failEvery = 0): Dag {
  const names = Array.from({ length: layers * width }, (_, i) => taskName(i));
  const deps = names.map((_, i) => {
    const layer = Math.floor(i / width);
    if (layer === 0) return [];
    const count = 1 + Math.floor(random() * 3);
    return [...new Set(Array.from({ length: count }, () => (layer - 1) * width + Math.floor(random() * width)))];
  });
  const failing = new Set(failEvery > 0 ? names.map((_, i) => i).filter((i) => i % failEvery === failEvery - 1) : []);
  return { names, deps, failing };
}

export function dagTasks(dag: Dag): object[] {
  return dag.names.map((name, i) => ({
    apiVersion: 'axon.io/v1alpha1',
    kind: 'Task',
    metadata: { name },
    spec: {
      type: 'claude-code',
      prompt: template(dag, i),
      credentials: { type: 'api-key', secretRef: { name: 'key' } },
      ...(dag.deps[i]!.length > 0 ? { dependsOn: dag.deps[i]!.map((d) => dag.names[d]!) } : {}),
    },
  }));
}

/**
 * Every Task ended as the model says: its phase, exactly one Job for each launched Task and
 * none for the others, each Job's prompt exactly the model's (so every dependency's output
 * reached it), and each succeeded Task's outputs recorded.
 */
export function assertAsModel(engine: ChaosEngine, dag: Dag, namespace: string): void {
  const model = expected(dag);
  assert.deepEqual(engine.refusals, [], 'no delivery was refused or answered 500');
  const wrong: string[] = [];
  for (const [i, name] of dag.names.entries()) {
    const want = model[i]!;
    const status = engine.task(name).status as { phase?: string; outputs?: string[] } | undefined;
    if (status?.phase !== want.phase) wrong.push(`${name}: phase ${status?.phase} ≠ ${want.phase}`);
    const created = engine.jobsCreated.get(name) ?? 0;
    if (created !== (want.launched ? 1 : 0)) wrong.push(`${name}: ${created} Jobs created`);
    const job = engine.api.get('jobs', namespace, name) as unknown as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } } | undefined;
    if (want.launched && JSON.stringify(job?.spec.template.spec.containers[0]!.args) !== JSON.stringify([want.prompt])) wrong.push(`${name}: prompt differs`);
    if (want.outputs && JSON.stringify(status?.outputs) !== JSON.stringify(want.outputs)) wrong.push(`${name}: outputs ${JSON.stringify(status?.outputs)}`);
  }
  assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} Tasks differ from the model`);
}
