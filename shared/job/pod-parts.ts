/**
 * What a Workspace or an AgentConfig adds to a Task's pod: volumes, init containers that fill
 * them, and the agent container's variables, mounts and working directory. The Job builder
 * puts the parts together in Axon's order.
 */
import type { V1Container, V1EnvVar, V1Volume, V1VolumeMount } from '@kubernetes/client-node';

/**
 * The UID the init containers run as, and the pod's fsGroup with a Workspace, so that the
 * agent — Axon's images run as this UID too — can read and write what they cloned and wrote.
 */
export const AGENT_UID = 61100;

/**
 * Axon's image for its init containers (GitCloneImage in its job builder): it has git, sh and
 * base64, which is all they need.
 */
export const DEFAULT_GIT_IMAGE = 'alpine/git:v2.47.2';

export interface PodParts {
  volumes: V1Volume[];
  initContainers: V1Container[];
  /** For the agent container, in order. */
  env: V1EnvVar[];
  /** For the agent container. */
  mounts: V1VolumeMount[];
  workingDir?: string;
  fsGroup?: number;
}

export const NO_PARTS: Readonly<PodParts> = Object.freeze({ volumes: [], initContainers: [], env: [], mounts: [] });

/** An init container running as AGENT_UID. */
export function initContainer(spec: V1Container): V1Container {
  return { ...spec, securityContext: { runAsUser: AGENT_UID } };
}
