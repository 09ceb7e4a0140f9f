/**
 * Builds the batch/v1 Job that runs a Task's agent, in the shape Axon's controller builds it
 * (axon-core/axon, internal/controller/job_builder.go), so agent images written for Axon run
 * unchanged: container named after the agent type, `/axon_entrypoint.sh <prompt>`, the model in
 * AXON_MODEL, credentials from the Task's Secret as env vars, the Workspace's clone and the
 * AgentConfig's instructions and plugins (inputs.ts), podOverrides applied with the built-in
 * env winning. Pure: no cluster access, same input → same Job.
 */
import type { V1EnvVar, V1EnvVarSource, V1Job, V1JobSpec, V1PodSpec, V1ResourceRequirements } from '@kubernetes/client-node';
import { PermanentError } from '../errors.js';
import { EXTERNAL_TYPE, TASK_API_VERSION, TASK_KIND, type AgentType, type CredentialType, type Task } from '../task/model.js';
import { MAX_SINGLE_ARGUMENT_BYTES } from './argument.js';
import { inputParts, type JobInputs } from './inputs.js';
import { DEFAULT_GIT_IMAGE, type PodParts } from './pod-parts.js';

export type { JobInputs } from './inputs.js';

export interface JobConfig {
  /** Image per agent type, used when the Task sets no `spec.image`. */
  images: Record<AgentType, string>;
  /** Retries of a failed agent pod; Axon uses 0 (an agent run is not idempotent). */
  backoffLimit: number;
  /** Image of the init containers that clone the Workspace and write its files and the plugins. */
  gitImage: string;
  /**
   * The Job's own ttlSecondsAfterFinished, when set (at least MIN_JOB_TTL_SECONDS). Unset, a Job
   * goes with its Task (owner reference); a Task's spec.ttlSecondsAfterFinished is the Task's
   * time to live (shared/flow/expiry.ts), never copied here: Kubernetes would delete the Job and
   * its pod before job-status had read the outputs from the pod's log.
   */
  jobTtlSeconds?: number;
}

/** Least Job TTL: job-status reads outputs from the finished pod's log, and resync repairs a lost completion within minutes. */
export const MIN_JOB_TTL_SECONDS = 600;

/**
 * Axon's default agent images, from its job builder's constants (ClaudeCodeImage, CodexImage,
 * GeminiImage, OpenCodeImage) as of the last Axon-named release. The project has since been
 * renamed kelos-dev/kelos and publishes the same images as ghcr.io/kelos-dev/<type>:latest;
 * deployments can point `images` there.
 */
export const DEFAULT_AGENT_IMAGES: Readonly<Record<AgentType, string>> = Object.freeze({
  'claude-code': 'gjkim42/claude-code:latest',
  codex: 'gjkim42/codex:latest',
  gemini: 'gjkim42/gemini:latest',
  opencode: 'gjkim42/opencode:latest',
});

export const DEFAULT_JOB_CONFIG: Readonly<JobConfig> = Object.freeze({
  images: DEFAULT_AGENT_IMAGES,
  backoffLimit: 0,
  gitImage: DEFAULT_GIT_IMAGE,
});

export const TASK_LABEL = 'axon.io/task';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'dendrite';
/** The agent image interface: every Axon agent image implements this entrypoint. */
export const AGENT_ENTRYPOINT = '/axon_entrypoint.sh';
export const MODEL_ENV = 'AXON_MODEL';
/** The prompt is one program argument (argument.ts): a larger one could never start. */
export const MAX_PROMPT_BYTES = MAX_SINGLE_ARGUMENT_BYTES;

/**
 * The env var (and Secret key) carrying an agent's credential, as Axon names it. Codex with
 * `oauth` takes a ChatGPT auth.json blob in CODEX_AUTH_JSON, which its entrypoint writes to
 * ~/.codex/auth.json; gemini and opencode use the same variable for both credential types.
 */
export function credentialEnvName(type: AgentType, credentialType: CredentialType): string {
  switch (type) {
    case 'claude-code':
      return credentialType === 'oauth' ? 'CLAUDE_CODE_OAUTH_TOKEN' : 'ANTHROPIC_API_KEY';
    case 'codex':
      return credentialType === 'oauth' ? 'CODEX_AUTH_JSON' : 'CODEX_API_KEY';
    case 'gemini':
      return 'GEMINI_API_KEY';
    case 'opencode':
      return 'OPENCODE_API_KEY';
  }
}

function builtInEnv(task: Task, type: AgentType): V1EnvVar[] {
  const env: V1EnvVar[] = [];
  if (task.spec.model) env.push({ name: MODEL_ENV, value: task.spec.model });
  const credentials = task.spec.credentials;
  // Validation requires them for every agent Task.
  if (!credentials) throw new PermanentError(`Task ${task.metadata.namespace}/${task.metadata.name}: an agent Task needs spec.credentials`);
  const key = credentialEnvName(type, credentials.type);
  // The Secret's key is the variable's own name, as in Axon: one Secret can serve every agent type.
  env.push({ name: key, valueFrom: { secretKeyRef: { name: credentials.secretRef.name, key } } });
  return env;
}

/** Built-in variables first; an override of the same name is dropped, so it cannot swap credentials. */
function mergeEnv(builtIn: V1EnvVar[], overrides: Task['spec']['podOverrides']): V1EnvVar[] {
  const taken = new Set(builtIn.map((e) => e.name));
  const extra = (overrides?.env ?? [])
    .filter((e) => !taken.has(e.name))
    .map((e): V1EnvVar => {
      const entry: V1EnvVar = { name: e.name };
      if (e.value !== undefined) entry.value = e.value;
      if (e.valueFrom !== undefined) entry.valueFrom = structuredClone(e.valueFrom) as V1EnvVarSource;
      return entry;
    });
  return [...builtIn, ...extra];
}

/** The pod: Axon's field order, the inputs' volumes and init containers around the agent. */
function podSpec(task: Task, type: AgentType, image: string, prompt: string, parts: PodParts): V1PodSpec {
  const overrides = task.spec.podOverrides;
  return {
    restartPolicy: 'Never',
    ...(parts.fsGroup !== undefined ? { securityContext: { fsGroup: parts.fsGroup } } : {}),
    ...(parts.initContainers.length > 0 ? { initContainers: parts.initContainers } : {}),
    ...(parts.volumes.length > 0 ? { volumes: parts.volumes } : {}),
    containers: [
      {
        name: type,
        image,
        command: [AGENT_ENTRYPOINT],
        args: [prompt],
        ...(parts.workingDir ? { workingDir: parts.workingDir } : {}),
        env: mergeEnv([...builtInEnv(task, type), ...parts.env], overrides),
        ...(overrides?.resources ? { resources: structuredClone(overrides.resources) as V1ResourceRequirements } : {}),
        ...(parts.mounts.length > 0 ? { volumeMounts: parts.mounts.map((m) => ({ ...m })) } : {}),
      },
    ],
    ...(overrides?.nodeSelector ? { nodeSelector: { ...overrides.nodeSelector } } : {}),
  };
}

/**
 * The Job for a Task and its rendered prompt. `inputs` holds the Workspace and AgentConfig the
 * Task names (each must be given when named); PermanentError when the prompt cannot be passed,
 * UnusableInputError when an input cannot be used.
 */
export function buildJob(task: Task, prompt: string, config: JobConfig, inputs: JobInputs = {}): V1Job {
  const { name, namespace, uid } = task.metadata;
  const type = task.spec.type;
  if (type === EXTERNAL_TYPE) throw new PermanentError(`Task ${namespace}/${name} is external: it has no Job`);
  const image = task.spec.image || config.images[type];
  if (!image) throw new PermanentError(`Task ${namespace}/${name}: no image is configured for agent type "${type}"`);
  const promptBytes = Buffer.byteLength(prompt);
  if (promptBytes > MAX_PROMPT_BYTES) {
    throw new PermanentError(
      `Task ${namespace}/${name}: the rendered prompt is ${promptBytes} bytes, more than the ${MAX_PROMPT_BYTES} bytes ` +
        'a single program argument can hold; shorten the prompt or the dependency outputs it includes',
    );
  }
  const overrides = task.spec.podOverrides;
  const labels = { [TASK_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY };
  const parts = inputParts(task, inputs, config.gitImage);

  const spec: V1JobSpec = {
    backoffLimit: config.backoffLimit,
    template: { metadata: { labels: { ...labels } }, spec: podSpec(task, type, image, prompt, parts) },
  };
  // Axon documents podOverrides.activeDeadlineSeconds as the Job's field: it bounds the whole
  // run, retries included, and ends it with the Job condition DeadlineExceeded.
  if (overrides?.activeDeadlineSeconds !== undefined) spec.activeDeadlineSeconds = overrides.activeDeadlineSeconds;
  if (config.jobTtlSeconds !== undefined) spec.ttlSecondsAfterFinished = Math.max(config.jobTtlSeconds, MIN_JOB_TTL_SECONDS);

  const job: V1Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace,
      labels: { ...labels },
      ownerReferences: [
        { apiVersion: TASK_API_VERSION, kind: TASK_KIND, name, uid, controller: true, blockOwnerDeletion: true },
      ],
    },
    spec,
  };
  return job;
}
