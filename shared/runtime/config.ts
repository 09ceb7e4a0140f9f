/** The only place the environment is read: env → one typed config, checked once at start. */
// Straight from the modules that define them: the template index would load the engines
// (nunjucks) before the server listens.
import { DEFAULT_JOB_CONFIG, MAX_PROMPT_BYTES as MAX_SINGLE_ARGUMENT_BYTES, MIN_JOB_TTL_SECONDS, type JobConfig } from '../job/build.js';
import { DEFAULT_RENDER_LIMITS, MAX_DEPTH_LIMIT, type RenderLimits } from '../template/limits.js';
import { DEFAULT_RENDER_MEMORY_MB } from '../template/isolated/defaults.js';
import { AGENT_TYPES, type AgentType } from '../task/model.js';
import { DEFAULT_OIDC_TOKEN_FILE } from '../events/oidc-token.js';
import { readRedisSettings, type RedisSettings } from './redis-config.js';

/** What every function reads, including those with no Redis, cluster or sink (dead-letter). */
export interface BaseConfig {
  functionName: string;
  port: number;
  logLevel: string;
}

/** How Jobs are built: what the launcher (and `dendrite job`) read from the environment. */
export interface JobSettings {
  /** Per-type agent images that override the defaults. */
  images: Partial<Record<AgentType, string>>;
  /** The init containers' image (git, sh, base64), when it overrides Axon's. */
  gitImage?: string;
  backoffLimit?: number;
  /** DENDRITE_JOB_TTL_SECONDS: the Jobs' own time to live after they finish (unset: they go with their Task). */
  jobTtlSeconds?: number;
}

export interface RuntimeConfig extends BaseConfig, RenderSettings, JobSettings {
  /** How to reach the coordination Redis: one server, Redis Cluster or Sentinel (redis-config.ts). */
  redis: RedisSettings;
  /** Where emitted events go (the Broker, injected by a SinkBinding). */
  sink: string;
  /** The OIDC token presented to the Broker, when mounted (the SinkBinding's, with OIDC on). */
  oidcTokenFile: string;
  maxPromptBytes: number;
  logTailBytes: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function integer(env: Env, key: string, fallback: number, min: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ConfigError(`${key} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

function bounded(env: Env, key: string, fallback: number, min: number, max: number): number {
  const value = integer(env, key, fallback, min);
  if (value > max) throw new ConfigError(`${key} must be at most ${max}, got "${env[key]}"`);
  return value;
}

function required(env: Env, key: string, why: string): string {
  const value = env[key];
  if (!value) throw new ConfigError(`${key} is not set: ${why}`);
  return value;
}

/** `DENDRITE_IMAGE_CLAUDE_CODE` etc. */
export function imageVariable(type: AgentType): string {
  return `DENDRITE_IMAGE_${type.toUpperCase().replace(/-/g, '_')}`;
}

/** The image of the init containers that clone a Workspace and write its files and plugins. */
export const GIT_IMAGE_VARIABLE = 'DENDRITE_IMAGE_GIT';

export function readBaseConfig(env: Env, functionName: string): BaseConfig {
  return { functionName, port: integer(env, 'PORT', 8080, 1), logLevel: env.LOG_LEVEL || 'info' };
}

/** How prompts are rendered: the limits and the render process's heap (the CLI reads these too). */
export interface RenderSettings {
  renderLimits: RenderLimits;
  /** Heap of the process prompts are rendered in, MiB. */
  renderMemoryMb: number;
}

export function readRenderSettings(env: Env): RenderSettings {
  return {
    renderLimits: {
      timeoutMs: integer(env, 'DENDRITE_RENDER_TIMEOUT_MS', DEFAULT_RENDER_LIMITS.timeoutMs, 1),
      maxOutputBytes: integer(env, 'DENDRITE_RENDER_MAX_BYTES', DEFAULT_RENDER_LIMITS.maxOutputBytes, 1),
      maxSourceBytes: integer(env, 'DENDRITE_RENDER_MAX_SOURCE_BYTES', DEFAULT_RENDER_LIMITS.maxSourceBytes, 1),
      maxDepth: bounded(env, 'DENDRITE_RENDER_MAX_DEPTH', DEFAULT_RENDER_LIMITS.maxDepth, 1, MAX_DEPTH_LIMIT),
      maxValueBytes: integer(env, 'DENDRITE_RENDER_MAX_VALUE_BYTES', DEFAULT_RENDER_LIMITS.maxValueBytes, 1),
      maxProducedBytes: integer(env, 'DENDRITE_RENDER_MAX_PRODUCED_BYTES', DEFAULT_RENDER_LIMITS.maxProducedBytes, 1),
    },
    renderMemoryMb: integer(env, 'DENDRITE_RENDER_MAX_MEMORY_MB', DEFAULT_RENDER_MEMORY_MB, 16),
  };
}

export function readJobSettings(env: Env): JobSettings {
  const images: Partial<Record<AgentType, string>> = {};
  for (const type of AGENT_TYPES) {
    const image = env[imageVariable(type)];
    if (image) images[type] = image;
  }
  return {
    images,
    gitImage: env[GIT_IMAGE_VARIABLE] || undefined,
    backoffLimit: env.DENDRITE_JOB_BACKOFF_LIMIT ? integer(env, 'DENDRITE_JOB_BACKOFF_LIMIT', 0, 0) : undefined,
    // Shorter would let Kubernetes delete a Job's pod before its outputs were read.
    jobTtlSeconds: env.DENDRITE_JOB_TTL_SECONDS ? integer(env, 'DENDRITE_JOB_TTL_SECONDS', 0, MIN_JOB_TTL_SECONDS) : undefined,
  };
}

/** The settings over the defaults (Axon's images, backoffLimit 0). */
export function jobConfigOf(settings: JobSettings): JobConfig {
  return {
    images: { ...DEFAULT_JOB_CONFIG.images, ...settings.images },
    backoffLimit: settings.backoffLimit ?? DEFAULT_JOB_CONFIG.backoffLimit,
    gitImage: settings.gitImage ?? DEFAULT_JOB_CONFIG.gitImage,
    ...(settings.jobTtlSeconds !== undefined ? { jobTtlSeconds: settings.jobTtlSeconds } : {}),
  };
}

export function readConfig(env: Env, functionName: string): RuntimeConfig {
  return {
    ...readBaseConfig(env, functionName),
    redis: readRedisSettings(env, (message) => {
      throw new ConfigError(message);
    }),
    sink: required(env, 'K_SINK', 'bind the function to the Broker with a SinkBinding (or set the Broker URL)'),
    oidcTokenFile: env.DENDRITE_OIDC_TOKEN_FILE || DEFAULT_OIDC_TOKEN_FILE,
    ...readRenderSettings(env),
    maxPromptBytes: integer(env, 'DENDRITE_MAX_PROMPT_BYTES', MAX_SINGLE_ARGUMENT_BYTES, 1),
    logTailBytes: integer(env, 'DENDRITE_LOG_TAIL_BYTES', 1024 * 1024, 1024),
    ...readJobSettings(env),
  };
}
