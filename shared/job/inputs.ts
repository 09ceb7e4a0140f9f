/**
 * The Workspace and AgentConfig a Task names, as pod parts for its Job. The caller (the
 * launcher, `dendrite job`) reads them; here they are checked — one that could break a script
 * or a path is refused with what to fix — and turned into parts, Workspace first, as in Axon.
 */
import { PermanentError } from '../errors.js';
import type { Task } from '../task/model.js';
import { agentConfigParts, agentConfigProblems, type AgentConfig } from './agent-config.js';
import { NO_PARTS, type PodParts } from './pod-parts.js';
import { workspaceParts, workspaceProblems, type Workspace } from './workspace.js';

/** The objects a Task's references name, read by the caller. */
export interface JobInputs {
  workspace?: Workspace;
  agentConfig?: AgentConfig;
}

/** A Workspace or AgentConfig the Task names cannot be used as it is: the Task cannot run until it is fixed. */
export class UnusableInputError extends PermanentError {}

function checked<T>(kind: string, name: string, object: T | undefined, problems: (o: T) => string[]): T {
  if (!object) throw new PermanentError(`the Task names ${kind} "${name}", but it was not given to the Job builder`);
  const found = problems(object);
  if (found.length > 0) throw new UnusableInputError(`${kind} "${name}" cannot be used: ${found.join('; ')}`);
  return object;
}

function combine(a: PodParts, b: PodParts): PodParts {
  return {
    volumes: [...a.volumes, ...b.volumes],
    initContainers: [...a.initContainers, ...b.initContainers],
    env: [...a.env, ...b.env],
    mounts: [...a.mounts, ...b.mounts],
    ...((a.workingDir ?? b.workingDir) ? { workingDir: a.workingDir ?? b.workingDir } : {}),
    ...((a.fsGroup ?? b.fsGroup) !== undefined ? { fsGroup: a.fsGroup ?? b.fsGroup } : {}),
  };
}

export function inputParts(task: Task, inputs: JobInputs, gitImage: string): PodParts {
  let parts: PodParts = NO_PARTS;
  const { workspaceRef, agentConfigRef } = task.spec;
  if (workspaceRef) {
    const workspace = checked('Workspace', workspaceRef.name, inputs.workspace, workspaceProblems);
    parts = combine(parts, workspaceParts(workspace, gitImage));
  }
  if (agentConfigRef) {
    const agentConfig = checked('AgentConfig', agentConfigRef.name, inputs.agentConfig, agentConfigProblems);
    parts = combine(parts, agentConfigParts(agentConfig, gitImage));
  }
  return parts;
}
