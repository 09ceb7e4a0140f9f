/** The Task custom resource (axon.io/v1alpha1), as Axon defines it. */

export const TASK_API_VERSION = 'axon.io/v1alpha1';
export const TASK_KIND = 'Task';
export const TASK_GROUP = 'axon.io';
export const TASK_VERSION = 'v1alpha1';
export const TASK_PLURAL = 'tasks';

export const AGENT_TYPES = ['claude-code', 'codex', 'gemini', 'opencode'] as const;
export type AgentType = (typeof AGENT_TYPES)[number];

/**
 * A Task no agent runs (Dendrite's addition to Axon's types): it waits for its dependencies like
 * any other, is announced by task.ready, and ends when another system reports its outcome with
 * dev.dendrite.job.completed — a CI run, a human approval.
 */
export const EXTERNAL_TYPE = 'external';
export const TASK_TYPES = [...AGENT_TYPES, EXTERNAL_TYPE] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const CREDENTIAL_TYPES = ['api-key', 'oauth'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

export type Phase = 'Pending' | 'Waiting' | 'Running' | 'Succeeded' | 'Failed';

/** Annotation choosing the prompt dialect; absent means Go text/template. */
export const TEMPLATE_ANNOTATION = 'dendrite.dev/template';
export type TemplateDialect = 'go' | 'nunjucks';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: Record<string, unknown>;
}

export interface PodOverrides {
  resources?: Record<string, unknown>;
  activeDeadlineSeconds?: number;
  env?: EnvVar[];
  nodeSelector?: Record<string, string>;
}

export interface TaskSpec {
  type: TaskType;
  prompt: string;
  /** Required for an agent; an external Task has none. */
  credentials?: { type: CredentialType; secretRef: { name: string } };
  model?: string;
  image?: string;
  dependsOn?: string[];
  ttlSecondsAfterFinished?: number;
  podOverrides?: PodOverrides;
  workspaceRef?: { name: string };
  agentConfigRef?: { name: string };
}

export interface TaskStatus {
  phase?: Phase;
  jobName?: string;
  podName?: string;
  startTime?: string;
  completionTime?: string;
  message?: string;
  outputs?: string[];
  results?: Record<string, string>;
  /** The agent's final answer, as its own log format gives it (capped). */
  response?: string;
  /** Tokens (and cost, when the agent's format reports it) the run spent. */
  usage?: TaskUsage;
}

export interface TaskUsage {
  inputTokens: number;
  outputTokens: number;
  costUSD?: number;
}

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  resourceVersion?: string;
}

export interface Task {
  apiVersion: typeof TASK_API_VERSION;
  kind: typeof TASK_KIND;
  metadata: ObjectMeta;
  spec: TaskSpec;
  status?: TaskStatus;
}

/** What a dependency exposes to a dependent's prompt template. */
export interface DependencyData {
  Outputs: string[] | null;
  Results: Record<string, string> | null;
  /** The dependency's final answer; templates see '' when it gave none (or it is absent). */
  Response?: string;
  Name: string;
}

export interface TaskRef {
  namespace: string;
  name: string;
  uid: string;
}

/** A Task that runs no agent (its outcome is reported by another system). */
export function isExternal(task: Pick<Task, 'spec'>): boolean {
  return task.spec.type === EXTERNAL_TYPE;
}
