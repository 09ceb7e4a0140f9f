/**
 * `dendrite job`: the Job(s) Dendrite would create for Tasks, as YAML — what
 * `kubectl create --dry-run=client -o yaml` prints — built by the launcher's own builder from
 * the given Workspace and AgentConfig manifests, with the prompt rendered from --deps (through
 * the renderer `dendrite render` uses). Exit code: 0 printed, 1 not.
 */
import { stringify } from 'yaml';
import { buildJob, type JobConfig } from '../shared/job/build.js';
import type { JobInputs } from '../shared/job/inputs.js';
import type { AgentConfig } from '../shared/job/agent-config.js';
import type { Workspace } from '../shared/job/workspace.js';
import { PermanentError } from '../shared/errors.js';
import { loadManifests, ManifestError, type ManifestDoc, type Manifests } from '../shared/local/manifests.js';
import type { DependencyRecord } from '../shared/store/store.js';
import type { Task } from '../shared/task/model.js';
import { validateTask } from '../shared/task/validate.js';
import { nameOf, namespaceOf } from './check/inputs.js';
import type { CliContext } from './context.js';
import { DepsFileError, loadDeps } from './deps-file.js';
import { renderPrompt } from './prompt.js';
import { chooseTask } from './render.js';

export interface JobOptions {
  paths: string[];
  task?: string;
  deps?: string;
  namespace: string;
}

/** The Task has no uid before it is applied; the Job's ownerReference shows where it goes. */
const UID_PLACEHOLDER = '<the uid the Task gets when applied>';

/** The Workspace and AgentConfig the Task names, from the given manifests. */
function inputsFor(task: Task, manifests: Manifests, defaultNamespace: string): JobInputs | { error: string } {
  const find = (docs: ManifestDoc[], name: string) => docs.find((d) => nameOf(d) === name && namespaceOf(d, defaultNamespace) === task.metadata.namespace);
  const inputs: JobInputs = {};
  const { workspaceRef, agentConfigRef } = task.spec;
  for (const [kind, ref, docs] of [['Workspace', workspaceRef, manifests.workspaces], ['AgentConfig', agentConfigRef, manifests.agentConfigs]] as const) {
    if (!ref) continue;
    const doc = find(docs, ref.name);
    if (!doc) return { error: `${task.metadata.name} names ${kind} "${ref.name}", which is not among the given files — pass its manifest (the launcher would wait for it)` };
    const object = { ...doc.object, metadata: { ...(doc.object.metadata as object), namespace: task.metadata.namespace } };
    if (kind === 'Workspace') inputs.workspace = object as unknown as Workspace;
    else inputs.agentConfig = object as unknown as AgentConfig;
  }
  return inputs;
}

export async function jobCommand(options: JobOptions, ctx: CliContext, jobConfig: JobConfig): Promise<number> {
  const fail = (message: string) => {
    ctx.stderr.write(`dendrite job: ${message}\n`);
    return 1;
  };
  let manifests: Manifests;
  let docs: ManifestDoc[];
  let deps: Map<string, DependencyRecord> | undefined;
  try {
    manifests = loadManifests(options.paths);
    if (manifests.tasks.length === 0) return fail(`no Task manifest (apiVersion: axon.io/v1alpha1, kind: Task) in ${options.paths.join(' ')}`);
    docs = options.task !== undefined ? [chooseTask(manifests.tasks, options.task, options.paths.join(' '))] : manifests.tasks;
    deps = options.deps ? loadDeps(options.deps) : undefined;
  } catch (err) {
    if (err instanceof ManifestError || err instanceof DepsFileError) return fail(err.message);
    throw err;
  }

  const jobs: object[] = [];
  const renderer = ctx.createRenderer();
  try {
    for (const doc of docs) {
      const meta = (doc.object.metadata ?? {}) as Record<string, unknown>;
      const validation = validateTask({ ...doc.object, metadata: { ...meta, namespace: namespaceOf(doc, options.namespace), uid: UID_PLACEHOLDER } });
      if (!validation.ok) return fail(`${doc.file}: Task ${nameOf(doc) || `#${doc.index + 1}`} is invalid:\n  ${validation.errors.join('\n  ')}`);
      const task = validation.task;
      let prompt = task.spec.prompt;
      if ((task.spec.dependsOn ?? []).length > 0) {
        if (!deps) {
          ctx.stderr.write(`dendrite job: note: ${task.metadata.name} has dependencies; without --deps its prompt is the template as written\n`);
        } else {
          const rendered = await renderPrompt(doc, task, deps, { renderer, renderLimits: ctx.renderLimits, depsFile: options.deps });
          if ('error' in rendered) return fail(rendered.error);
          for (const note of rendered.notes) ctx.stderr.write(`dendrite job: note: ${note}\n`);
          prompt = rendered.prompt;
        }
      }
      const inputs = inputsFor(task, manifests, options.namespace);
      if ('error' in inputs) return fail(inputs.error);
      try {
        jobs.push(JSON.parse(JSON.stringify(buildJob(task, prompt, jobConfig, inputs))) as object);
      } catch (err) {
        if (err instanceof PermanentError) return fail(`${task.metadata.name}: ${err.message}`);
        throw err;
      }
    }
  } finally {
    await renderer.close();
  }
  ctx.stdout.write(jobs.map((job) => stringify(job, { lineWidth: 0 })).join('---\n'));
  return 0;
}
