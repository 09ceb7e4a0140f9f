/**
 * What each init container of a Dendrite-built Job does, done on this machine from the same
 * Workspace and AgentConfig the Job was built from, through the builder's own functions
 * (clone arguments, file lists): git-clone with the system git — any URL it understands,
 * local paths too — through the credential helper when the Workspace has a Secret;
 * workspace-files and plugin-setup writing their files, never through a symlink.
 */
import type { V1Container } from '@kubernetes/client-node';
import { PLUGIN_MOUNT_PATH, pluginFiles } from '../../job/agent-config.js';
import type { JobInputs } from '../../job/inputs.js';
import { cloneArgs, CREDENTIAL_HELPER, GITHUB_TOKEN, REPO_PATH, workspaceFiles } from '../../job/workspace.js';
import { runProgram } from './program.js';
import { writeInside } from './safe-write.js';
import { localPath, PodError } from './volumes.js';

export interface InitContext {
  volumes: ReadonlyMap<string, string>;
  inputs: JobInputs;
  /** The init container's environment, Secrets resolved. */
  env: Record<string, string>;
  /** Where a relative repository path is resolved: the directory `dendrite run` was started in. */
  sourceDir: string;
  signal: AbortSignal;
}

/** A clone may take a while; one that hangs (a dead server) ends the pod after this long. */
const CLONE_TIMEOUT_MS = 10 * 60_000;

function place(container: V1Container, context: InitContext, path: string): string {
  const local = localPath(container, context.volumes, path);
  if (!local) throw new PodError(`init container ${container.name}: ${path} is in none of its volumes`);
  return local;
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).at(-1) ?? '';
}

async function gitClone(container: V1Container, context: InitContext): Promise<void> {
  const workspace = context.inputs.workspace;
  if (!workspace) throw new PodError('git-clone: the Job has no Workspace to clone');
  const target = place(container, context, REPO_PATH);
  const env: Record<string, string> = { ...context.env, GIT_TERMINAL_PROMPT: '0' };
  // With a Secret: only our helper (the user's own helpers are reset), as in the pod.
  const helper = env[GITHUB_TOKEN] !== undefined ? ['-c', 'credential.helper=', '-c', `credential.helper=${CREDENTIAL_HELPER}`] : [];
  const options = { cwd: context.sourceDir, env, timeoutMs: CLONE_TIMEOUT_MS, signal: context.signal };
  const clone = await runProgram('git', [...helper, ...cloneArgs(workspace.spec, target)], options);
  if (clone.code !== 0) throw new PodError(`init container git-clone failed: ${clone.error ?? (lastLine(clone.stderr) || `git exited with code ${clone.code}`)}`);
  if (helper.length > 0) {
    const kept = await runProgram('git', ['-C', target, 'config', 'credential.helper', CREDENTIAL_HELPER], options);
    if (kept.code !== 0) throw new PodError(`init container git-clone failed: ${kept.error ?? lastLine(kept.stderr)}`);
  }
}

function writeAll(container: V1Container, context: InitContext, root: string, files: Array<{ path: string; content: string }>): void {
  const dir = place(container, context, root);
  try {
    for (const file of files) writeInside(dir, file.path, file.content);
  } catch (err) {
    throw new PodError(`init container ${container.name} failed: ${(err as Error).message}`);
  }
}

export async function runInitContainer(container: V1Container, context: InitContext): Promise<void> {
  switch (container.name) {
    case 'git-clone':
      return gitClone(container, context);
    case 'workspace-files':
      if (!context.inputs.workspace) throw new PodError('workspace-files: the Job has no Workspace');
      return writeAll(container, context, REPO_PATH, workspaceFiles(context.inputs.workspace.spec));
    case 'plugin-setup':
      if (!context.inputs.agentConfig) throw new PodError('plugin-setup: the Job has no AgentConfig');
      return writeAll(container, context, PLUGIN_MOUNT_PATH, pluginFiles(context.inputs.agentConfig.spec));
    default:
      throw new PodError(`init container ${container.name}: the local mode knows only Dendrite's own (git-clone, workspace-files, plugin-setup)`);
  }
}
