/**
 * Workspaces (axon.io/v1alpha1, Axon's shape): the repository a Task's agent works in. This
 * module checks one and turns it into pod parts as Axon's job builder does: an emptyDir
 * `workspace` at /workspace, an init container `git-clone` (shallow, every branch, at the ref,
 * as AGENT_UID; with a Secret, a credential helper reading $GITHUB_TOKEN, kept in the clone's
 * config for the agent's pushes), an init container `workspace-files` writing the files, and
 * the agent working in /workspace/repo with GITHUB_TOKEN and GH_TOKEN (GH_ENTERPRISE_TOKEN and
 * GH_HOST for a GitHub Enterprise host) from the Secret.
 */
import { posix } from 'node:path';
import type { V1EnvVar } from '@kubernetes/client-node';
import { MAX_SINGLE_ARGUMENT_BYTES } from './argument.js';
import { AGENT_UID, initContainer, type PodParts } from './pod-parts.js';
import { shellQuote, writeFilesScript, type FileToWrite } from './shell.js';

export const WORKSPACE_KIND = 'Workspace';
export const WORKSPACE_PLURAL = 'workspaces';

export const WORKSPACE_VOLUME = 'workspace';
export const WORKSPACE_MOUNT_PATH = '/workspace';
/** Where the repository is cloned, and the agent's working directory. */
export const REPO_PATH = `${WORKSPACE_MOUNT_PATH}/repo`;
/** The Secret key a Workspace's secretRef must hold. */
export const GITHUB_TOKEN = 'GITHUB_TOKEN';

/**
 * The git credential helper: answers every request with the token in $GITHUB_TOKEN, which
 * git expands when it runs the helper — the token itself is never written anywhere.
 */
export const CREDENTIAL_HELPER = '!f() { echo username=x-access-token; echo "password=$GITHUB_TOKEN"; }; f';

export interface WorkspaceFile {
  path: string;
  content: string;
}

export interface WorkspaceSpec {
  repo: string;
  ref?: string;
  secretRef?: { name: string };
  files?: WorkspaceFile[];
}

export interface Workspace {
  apiVersion: string;
  kind: typeof WORKSPACE_KIND;
  metadata: { name: string; namespace: string; uid?: string; resourceVersion?: string };
  spec: WorkspaceSpec;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const CONTROL = /[\u0000-\u001f\u007f]/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A path inside the repository, normalised as Axon does (`./a//b` → `a/b`), or why it is refused. */
export function repositoryPath(path: string): { path: string } | { problem: string } {
  if (path.trim() === '') return { problem: 'is empty — give a path relative to the repository root' };
  if (CONTROL.test(path)) return { problem: 'holds a control character (a line break?) — use a plain relative path' };
  if (path.includes('\\')) return { problem: 'holds a backslash — separate directories with /' };
  const clean = posix.normalize(path).replace(/\/+$/, '');
  if (clean.startsWith('/')) return { problem: 'is absolute — give a path relative to the repository root' };
  if (clean === '..' || clean.startsWith('../')) return { problem: 'leaves the repository (..) — give a path inside it' };
  if (clean === '.' || clean === '') return { problem: 'is the repository root itself — name a file' };
  return { path: clean };
}

/** Why a ref cannot be passed to `git clone --branch`, following git check-ref-format; undefined when it can. */
function refProblem(ref: string): string | undefined {
  const bad =
    CONTROL.test(ref) ||
    /[\s~^:?*[\\]/.test(ref) ||
    ref.includes('..') ||
    ref.includes('@{') ||
    ref.includes('//') ||
    /^[-/.]/.test(ref) ||
    /[/.]$/.test(ref) ||
    ref.endsWith('.lock') ||
    ref.split('/').some((part) => part.startsWith('.'));
  return bad ? 'is not a branch or tag name git accepts (no spaces, control characters, ~^:?*[\\, "..", or leading "-")' : undefined;
}

/** Everything that makes this Workspace unusable, each as `spec.<field>: …`; empty when it is fine. */
export function workspaceProblems(workspace: unknown): string[] {
  const spec = isObject(workspace) ? workspace.spec : undefined;
  if (!isObject(spec)) return ['spec: missing — a Workspace needs spec.repo'];
  const problems: string[] = [];
  const { repo, ref, secretRef, files } = spec;
  if (typeof repo !== 'string' || repo === '') problems.push('spec.repo: missing — give the repository to clone');
  else if (CONTROL.test(repo)) problems.push('spec.repo: holds a control character (a line break?)');
  else if (repo.startsWith('-')) problems.push('spec.repo: starts with "-" — give a URL or a path');
  if (ref !== undefined && typeof ref !== 'string') problems.push('spec.ref: must be a string');
  else if (ref) {
    const problem = refProblem(ref);
    if (problem) problems.push(`spec.ref: ${JSON.stringify(ref)} ${problem}`);
  }
  if (secretRef !== undefined) {
    const name = isObject(secretRef) ? secretRef.name : undefined;
    if (typeof name !== 'string' || name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
      problems.push('spec.secretRef.name: must name a Secret (lowercase letters, digits, "-" and ".")');
    }
  }
  if (files !== undefined && !Array.isArray(files)) problems.push('spec.files: must be a list of {path, content}');
  else if (files) {
    files.forEach((file: unknown, i) => {
      const at = `spec.files[${i}]`;
      if (!isObject(file)) return problems.push(`${at}: must be {path, content}`);
      if (typeof file.content !== 'string') problems.push(`${at}.content: must be a string`);
      if (typeof file.path !== 'string') return problems.push(`${at}.path: must be a string`);
      const checked = repositoryPath(file.path);
      if ('problem' in checked) problems.push(`${at}.path: ${JSON.stringify(file.path)} ${checked.problem}`);
    });
    if (problems.length === 0) {
      const bytes = Buffer.byteLength(writeFilesScript(REPO_PATH, workspaceFiles(spec as unknown as WorkspaceSpec)));
      if (bytes > MAX_SINGLE_ARGUMENT_BYTES) {
        problems.push(
          `spec.files: the files make a ${bytes}-byte script for the workspace-files init container, more than the ` +
            `${MAX_SINGLE_ARGUMENT_BYTES} bytes one program argument can hold — commit large files to the repository instead`,
        );
      }
    }
  }
  return problems;
}

/** The files to write, paths normalised; only for a Workspace without problems. */
export function workspaceFiles(spec: WorkspaceSpec): FileToWrite[] {
  return (spec.files ?? []).map((file) => {
    const checked = repositoryPath(file.path);
    if ('problem' in checked) throw new Error(`workspaceFiles: ${file.path} ${checked.problem}`);
    return { path: checked.path, content: file.content };
  });
}

/**
 * The GitHub host of a repository URL (`https://host/owner/repo`, `git@host:owner/repo`), or
 * undefined for any other form — as Axon reads it. Any host but github.com is taken for a
 * GitHub Enterprise server.
 */
export function gitHubHost(repo: string): string | undefined {
  return /^https?:\/\/([^/]+)\/[^/]+\/[^/.]/.exec(repo)?.[1] ?? /^git@([^:]+):[^/]+\/[^/.]/.exec(repo)?.[1];
}

export function isEnterpriseHost(host: string | undefined): host is string {
  return host !== undefined && host !== '' && host !== 'github.com';
}

/** GH_HOST for an Enterprise host, then the token variables when the Workspace has a Secret. */
function workspaceEnv(spec: WorkspaceSpec): V1EnvVar[] {
  const host = gitHubHost(spec.repo);
  const env: V1EnvVar[] = [];
  if (isEnterpriseHost(host)) env.push({ name: 'GH_HOST', value: host });
  if (spec.secretRef) {
    const token = () => ({ secretKeyRef: { name: spec.secretRef!.name, key: GITHUB_TOKEN } });
    // gh reads GH_TOKEN for github.com and GH_ENTERPRISE_TOKEN for an Enterprise server.
    env.push({ name: GITHUB_TOKEN, valueFrom: token() }, { name: isEnterpriseHost(host) ? 'GH_ENTERPRISE_TOKEN' : 'GH_TOKEN', valueFrom: token() });
  }
  return env;
}

/** `git clone`'s arguments: shallow, with every branch's tip, at the ref when there is one. */
export function cloneArgs(spec: WorkspaceSpec, target = REPO_PATH): string[] {
  return ['clone', ...(spec.ref ? ['--branch', spec.ref] : []), '--no-single-branch', '--depth', '1', '--', spec.repo, target];
}

/** With a Secret: clone through the credential helper, then keep it in the clone for the agent. */
function cloneWithCredentials(): string[] {
  const helper = shellQuote(CREDENTIAL_HELPER);
  return ['sh', '-c', `git -c credential.helper=${helper} "$@" && git -C ${shellQuote(REPO_PATH)} config credential.helper ${helper}`];
}

/** The Workspace's pod parts; call workspaceProblems first (an unusable Workspace throws here). */
export function workspaceParts(workspace: Workspace, gitImage: string): PodParts {
  const spec = workspace.spec;
  const env = workspaceEnv(spec);
  const mount = { name: WORKSPACE_VOLUME, mountPath: WORKSPACE_MOUNT_PATH };
  const clone = initContainer({
    name: 'git-clone',
    image: gitImage,
    ...(spec.secretRef ? { command: cloneWithCredentials(), args: ['--', ...cloneArgs(spec)] } : { args: cloneArgs(spec) }),
    ...(env.length > 0 ? { env: structuredClone(env) } : {}),
    volumeMounts: [{ ...mount }],
  });
  const files = workspaceFiles(spec);
  const write = initContainer({
    name: 'workspace-files',
    image: gitImage,
    command: ['sh', '-c', writeFilesScript(REPO_PATH, files)],
    volumeMounts: [{ ...mount }],
  });
  return {
    volumes: [{ name: WORKSPACE_VOLUME, emptyDir: {} }],
    initContainers: files.length > 0 ? [clone, write] : [clone],
    env,
    mounts: [mount],
    workingDir: REPO_PATH,
    fsGroup: AGENT_UID,
  };
}
