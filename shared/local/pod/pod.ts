/**
 * A Job's pod on this machine: a directory of its own, its emptyDir volumes inside it, the
 * init containers done in order (init-containers.ts), and where its agent runs — the clone,
 * or an empty directory of its own; never the directory `dendrite run` was started in.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Container, V1Job } from '@kubernetes/client-node';
import type { JobInputs } from '../../job/inputs.js';
import { REPO_PATH } from '../../job/workspace.js';
import { runInitContainer } from './init-containers.js';
import { createVolumes, localPath, mapEnv } from './volumes.js';

export { PodError } from './volumes.js';

export interface PreparedPod {
  /** The agent's working directory. */
  cwd: string;
  /** The agent's environment, paths into its volumes mapped to their local directories. */
  env: Record<string, string>;
  /** The clone, when the pod has one (the capture step reads its branch). */
  repo?: string;
}

export interface PodOptions {
  job: V1Job;
  /** The pod's own directory (made here). */
  dir: string;
  inputs: JobInputs;
  /** Each container's environment by name, Secrets resolved. */
  envs: ReadonlyMap<string, Record<string, string>>;
  sourceDir: string;
  signal: AbortSignal;
}

export async function preparePod(options: PodOptions): Promise<PreparedPod> {
  const spec = options.job.spec!.template.spec!;
  mkdirSync(options.dir, { recursive: true });
  const volumes = createVolumes(options.dir, spec);
  for (const container of spec.initContainers ?? []) {
    if (options.signal.aborted) break;
    await runInitContainer(container, { volumes, inputs: options.inputs, env: options.envs.get(container.name) ?? {}, sourceDir: options.sourceDir, signal: options.signal });
  }
  const agent = spec.containers[0] as V1Container;
  const workingDir = agent.workingDir ? localPath(agent, volumes, agent.workingDir) : undefined;
  let cwd = workingDir;
  if (!cwd) {
    cwd = join(options.dir, 'work');
    mkdirSync(cwd, { recursive: true });
  }
  const repo = agent.workingDir === REPO_PATH ? workingDir : undefined;
  return { cwd, env: mapEnv(agent, volumes, options.envs.get(agent.name) ?? {}), ...(repo ? { repo } : {}) };
}
