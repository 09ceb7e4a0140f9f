/**
 * One work item → one Task, exactly once: the name is `<spawner>-<item id>`, so a redelivered
 * event, a webhook and a listing of the same issue, or two instances at once all ask for the
 * same Task, and AlreadyExists is success. The Task is labelled `axon.io/taskspawner` and owned
 * by the spawner. The prompt is rendered by the sandboxed renderer with its limits; a template
 * that fails makes no Task (the outcome says why).
 */
import type { Cluster, NewTask } from '../cluster/cluster.js';
import { PermanentError } from '../errors.js';
import type { RenderLimits } from '../template/limits.js';
import type { PromptRenderer } from '../template/renderer.js';
import { TASK_API_VERSION, TASK_KIND } from '../task/model.js';
import { DEFAULT_PROMPT_TEMPLATE, templateData, type WorkItem } from './item.js';
import { SPAWNER_KIND, SPAWNER_LABEL, type TaskSpawner } from './model.js';
import type { SpawnerSlots } from './slots.js';

export interface SpawnDeps {
  cluster: Pick<Cluster, 'createTask' | 'getTask'>;
  renderer: PromptRenderer;
  renderLimits: RenderLimits;
  /** maxConcurrency's index; spawners with a limit are not limited without it. */
  slots?: SpawnerSlots;
}

/** `queued`: over maxConcurrency, it waits for one of the spawner's Tasks to end. */
export type SpawnOutcome = { name: string; result: 'created' | 'exists' | 'queued' } | { name: string; result: 'failed'; message: string };

/** A Job's name is its Task's and goes into the `job-name` label: 63 characters at most. */
const MAX_NAME = 63;

export function spawnedName(spawner: TaskSpawner, item: WorkItem): string {
  return `${spawner.metadata.name}-${item.id}`;
}

function defined<T extends Record<string, unknown>>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function spawnedTask(spawner: TaskSpawner, item: WorkItem, prompt: string): NewTask {
  const t = spawner.spec.taskTemplate;
  const { name, namespace, uid } = spawner.metadata;
  return {
    apiVersion: TASK_API_VERSION,
    kind: TASK_KIND,
    metadata: {
      name: spawnedName(spawner, item),
      namespace,
      labels: { [SPAWNER_LABEL]: name },
      ownerReferences: [{ apiVersion: spawner.apiVersion, kind: SPAWNER_KIND, name, uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: defined({
      type: t.type,
      prompt,
      credentials: t.credentials,
      model: t.model,
      image: t.image,
      workspaceRef: t.workspaceRef,
      agentConfigRef: t.agentConfigRef,
      dependsOn: t.dependsOn && t.dependsOn.length > 0 ? t.dependsOn : undefined,
      ttlSecondsAfterFinished: t.ttlSecondsAfterFinished,
      podOverrides: t.podOverrides,
    }),
  };
}

/** Throws TransientError when the renderer or the API is down; anything the item itself gets wrong is a `failed` outcome. */
export async function spawnTask(deps: SpawnDeps, spawner: TaskSpawner, item: WorkItem): Promise<SpawnOutcome> {
  const name = spawnedName(spawner, item);
  if (name.length > MAX_NAME) {
    return { name, result: 'failed', message: `Task name ${name} is longer than ${MAX_NAME} characters: shorten the TaskSpawner's name` };
  }
  let prompt: string;
  try {
    const inertActions = (spawner.spec.taskTemplate.dependsOn ?? []).length > 0;
    prompt = await deps.renderer.render(spawner.spec.taskTemplate.promptTemplate || DEFAULT_PROMPT_TEMPLATE, 'go', templateData(item, { inertActions }), deps.renderLimits);
  } catch (err) {
    if (err instanceof PermanentError) return { name, result: 'failed', message: `promptTemplate: ${err.message}` };
    throw err;
  }
  const task = spawnedTask(spawner, item, prompt);
  const max = spawner.spec.maxConcurrency ?? 0;
  if (max > 0 && deps.slots) {
    const { namespace, name: spawnerName } = spawner.metadata;
    // Made already (and perhaps finished): it takes no slot.
    if (await deps.cluster.getTask(namespace, name)) return { name, result: 'exists' };
    if ((await deps.slots.acquire(namespace, spawnerName, task, max)) === 'queued') return { name, result: 'queued' };
    const outcome = await deps.cluster.createTask(task);
    await deps.slots.confirm(namespace, spawnerName, name);
    return { name, result: outcome.result };
  }
  const outcome = await deps.cluster.createTask(task);
  return { name, result: outcome.result };
}
