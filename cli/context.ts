/**
 * What a command needs from the outside world, gathered once in main.ts (the only place that
 * reads the environment), so commands stay testable functions of their inputs.
 */
import type { PromptRenderer, RenderLimits } from '../shared/template/index.js';

/** crds/<kind>.yaml of this installation, for the kinds Dendrite acts on. */
export interface CrdFiles {
  task: string;
  workspace: string;
  agentConfig: string;
  taskSpawner: string;
}

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

export interface CliContext {
  stdout: Output;
  stderr: Output;
  /** Colour on each stream (a terminal, and NO_COLOR unset). */
  color: { stdout: boolean; stderr: boolean };
  /** PATH and HOME, handed on to agents; PATH also to find the agents' own CLIs. */
  pathList: string;
  home: string;
  /** REDIS_URL from the environment, when set. */
  redisUrl?: string;
  cwd: string;
  /** Where temporary directories go (os.tmpdir()): a run's pod directories. */
  tmpDir: string;
  /** knative/triggers.yaml and the CRDs of this installation. */
  triggersFile: string;
  crdFiles: CrdFiles;
  /** dist/ui of this installation: the dashboard page `npm run build` made. */
  uiDir: string;
  /** examples/agents/stand-in-agent.mjs of this installation, absolute. */
  standInAgent: string;
  now: () => Date;
  /** DENDRITE_RENDER_TIMEOUT_MS etc., read as the functions read them. */
  renderLimits: RenderLimits;
  /** A renderer that renders in a child process, as the functions do; the caller closes it. */
  createRenderer: () => PromptRenderer;
}
