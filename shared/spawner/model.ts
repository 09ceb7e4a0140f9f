/**
 * The TaskSpawner custom resource (axon.io/v1alpha1), Axon's shape plus Dendrite's
 * `when.cloudEvent`: a rule "when this arrives, create that Task".
 */
import type { CredentialType, PodOverrides, TaskType } from '../task/model.js';

export const SPAWNER_KIND = 'TaskSpawner';
export const SPAWNER_PLURAL = 'taskspawners';
/** Every spawned Task carries it (Axon's label), valued with the spawner's name. */
export const SPAWNER_LABEL = 'axon.io/taskspawner';

export interface GitHubIssuesWhen {
  /** `issues`, `pulls` or both; `issues` when absent. */
  types?: Array<'issues' | 'pulls'>;
  labels?: string[];
  excludeLabels?: string[];
  state?: 'open' | 'closed' | 'all';
}

export interface CloudEventWhen {
  type: string;
  source?: string;
  subject?: string;
  /** Further attributes (extensions included) that must equal these values. */
  filter?: Record<string, string>;
}

export interface When {
  githubIssues?: GitHubIssuesWhen;
  cron?: { schedule: string };
  cloudEvent?: CloudEventWhen;
}

export interface TaskTemplate {
  type: TaskType;
  credentials?: { type: CredentialType; secretRef: { name: string } };
  model?: string;
  image?: string;
  workspaceRef?: { name: string };
  agentConfigRef?: { name: string };
  dependsOn?: string[];
  promptTemplate?: string;
  ttlSecondsAfterFinished?: number;
  podOverrides?: PodOverrides;
}

export interface TaskSpawnerStatus {
  phase?: 'Pending' | 'Running' | 'Failed';
  totalDiscovered?: number;
  totalTasksCreated?: number;
  activeTasks?: number;
  lastDiscoveryTime?: string;
  message?: string;
}

export interface TaskSpawner {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid: string; creationTimestamp?: string; resourceVersion?: string };
  spec: { when: When; taskTemplate: TaskTemplate; pollInterval?: string; maxConcurrency?: number };
  status?: TaskSpawnerStatus;
}

/** Which `when` a spawner has (the CRD allows exactly one). */
export function sourceOf(spawner: TaskSpawner): 'cron' | 'githubIssues' | 'cloudEvent' | undefined {
  const when = spawner.spec?.when ?? {};
  if (when.cron) return 'cron';
  if (when.githubIssues) return 'githubIssues';
  if (when.cloudEvent) return 'cloudEvent';
  return undefined;
}

/** Axon's `pollInterval` (a Go duration such as `5m`, or plain seconds); 5 minutes when absent or unreadable. */
export function pollIntervalMs(value: string | undefined): number {
  const fallback = 5 * 60_000;
  if (!value) return fallback;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) return fallback;
  return parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]!]!, 0);
}
