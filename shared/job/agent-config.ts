/**
 * AgentConfigs (axon.io/v1alpha1, Axon's shape): instructions and Claude Code plugins for a
 * Task's agent. As Axon's job builder does: the instructions go in AXON_AGENTS_MD; plugins get
 * an emptyDir `axon-plugin` at /axon/plugin, filled by an init container `plugin-setup` with
 * `<plugin>/skills/<skill>/SKILL.md` and `<plugin>/agents/<agent>.md`, and AXON_PLUGIN_DIR
 * tells the agent image where they are.
 */
import { envStringBytes, MAX_SINGLE_ARGUMENT_BYTES } from './argument.js';
import { initContainer, type PodParts } from './pod-parts.js';
import { writeFilesScript, type FileToWrite } from './shell.js';

export const AGENT_CONFIG_KIND = 'AgentConfig';
export const AGENT_CONFIG_PLURAL = 'agentconfigs';

export const PLUGIN_VOLUME = 'axon-plugin';
export const PLUGIN_MOUNT_PATH = '/axon/plugin';
export const AGENTS_MD_ENV = 'AXON_AGENTS_MD';
export const PLUGIN_DIR_ENV = 'AXON_PLUGIN_DIR';

export interface NamedContent {
  name: string;
  content: string;
}

export interface PluginSpec {
  name: string;
  skills?: NamedContent[];
  agents?: NamedContent[];
}

export interface AgentConfigSpec {
  agentsMD?: string;
  plugins?: PluginSpec[];
}

export interface AgentConfig {
  apiVersion: string;
  kind: typeof AGENT_CONFIG_KIND;
  metadata: { name: string; namespace: string; uid?: string; resourceVersion?: string };
  spec: AgentConfigSpec;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Why `name` cannot be one directory or file name; undefined when it can. */
function componentProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return 'is empty — give it a name';
  if (name === '.' || name === '..') return `${JSON.stringify(name)} would climb the directory tree — use a plain name`;
  if (/[/\\]/.test(name)) return `${JSON.stringify(name)} holds a path separator — use a plain name`;
  if (CONTROL.test(name)) return `${JSON.stringify(name)} holds a control character — use a plain name`;
  return undefined;
}

function entriesProblems(entries: unknown, at: string): string[] {
  if (entries === undefined) return [];
  if (!Array.isArray(entries)) return [`${at}: must be a list of {name, content}`];
  return entries.flatMap((entry: unknown, i): string[] => {
    if (!isObject(entry)) return [`${at}[${i}]: must be {name, content}`];
    const problems: string[] = [];
    const name = componentProblem(entry.name);
    if (name) problems.push(`${at}[${i}].name: ${name}`);
    if (typeof entry.content !== 'string') problems.push(`${at}[${i}].content: must be a string`);
    return problems;
  });
}

/** Everything that makes this AgentConfig unusable, each as `spec.<field>: …`; empty when it is fine. */
export function agentConfigProblems(agentConfig: unknown): string[] {
  const spec = isObject(agentConfig) ? agentConfig.spec : undefined;
  if (spec === undefined) return [];
  if (!isObject(spec)) return ['spec: must be an object with agentsMD and/or plugins'];
  const problems: string[] = [];
  const { agentsMD, plugins } = spec;
  if (agentsMD !== undefined && typeof agentsMD !== 'string') problems.push('spec.agentsMD: must be a string');
  else if (agentsMD && envStringBytes(AGENTS_MD_ENV, agentsMD) > MAX_SINGLE_ARGUMENT_BYTES) {
    problems.push(
      `spec.agentsMD: ${Buffer.byteLength(agentsMD)} bytes do not fit in one environment variable ` +
        `(${MAX_SINGLE_ARGUMENT_BYTES} bytes with its name) — shorten it, or put the rest in the repository's own instruction files`,
    );
  }
  if (plugins !== undefined && !Array.isArray(plugins)) problems.push('spec.plugins: must be a list of {name, skills, agents}');
  else if (plugins) {
    plugins.forEach((plugin: unknown, i) => {
      const at = `spec.plugins[${i}]`;
      if (!isObject(plugin)) return problems.push(`${at}: must be {name, skills, agents}`);
      const name = componentProblem(plugin.name);
      if (name) problems.push(`${at}.name: ${name}`);
      problems.push(...entriesProblems(plugin.skills, `${at}.skills`), ...entriesProblems(plugin.agents, `${at}.agents`));
    });
    if (problems.length === 0) {
      const bytes = Buffer.byteLength(writeFilesScript(PLUGIN_MOUNT_PATH, pluginFiles(spec as AgentConfigSpec)));
      if (bytes > MAX_SINGLE_ARGUMENT_BYTES) {
        problems.push(
          `spec.plugins: the skills and agents make a ${bytes}-byte script for the plugin-setup init container, ` +
            `more than the ${MAX_SINGLE_ARGUMENT_BYTES} bytes one program argument can hold — shorten them`,
        );
      }
    }
  }
  return problems;
}

/** The plugin directory's files, relative to it: `<plugin>/skills/<skill>/SKILL.md`, `<plugin>/agents/<agent>.md`. */
export function pluginFiles(spec: AgentConfigSpec): FileToWrite[] {
  return (spec.plugins ?? []).flatMap((plugin) => [
    ...(plugin.skills ?? []).map((skill) => ({ path: `${plugin.name}/skills/${skill.name}/SKILL.md`, content: skill.content })),
    ...(plugin.agents ?? []).map((agent) => ({ path: `${plugin.name}/agents/${agent.name}.md`, content: agent.content })),
  ]);
}

/** The AgentConfig's pod parts; call agentConfigProblems first. */
export function agentConfigParts(agentConfig: AgentConfig, gitImage: string): PodParts {
  const spec = agentConfig.spec ?? {};
  const parts: PodParts = { volumes: [], initContainers: [], env: [], mounts: [] };
  if (spec.agentsMD) parts.env.push({ name: AGENTS_MD_ENV, value: spec.agentsMD });
  if ((spec.plugins ?? []).length > 0) {
    const mount = { name: PLUGIN_VOLUME, mountPath: PLUGIN_MOUNT_PATH };
    parts.volumes.push({ name: PLUGIN_VOLUME, emptyDir: {} });
    parts.initContainers.push(
      initContainer({
        name: 'plugin-setup',
        image: gitImage,
        command: ['sh', '-c', writeFilesScript(PLUGIN_MOUNT_PATH, pluginFiles(spec))],
        volumeMounts: [{ ...mount }],
      }),
    );
    parts.mounts.push(mount);
    parts.env.push({ name: PLUGIN_DIR_ENV, value: PLUGIN_MOUNT_PATH });
  }
  return parts;
}
