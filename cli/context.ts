/**
 * What a command needs from the outside world, gathered once in main.ts (the only place that
 * reads the environment), so commands stay testable functions of their inputs.
 */
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
  /** knative/triggers.yaml and crds/task.yaml of this installation. */
  triggersFile: string;
  crdFile: string;
  /** examples/agents/stand-in-agent.mjs of this installation, absolute. */
  standInAgent: string;
  now: () => Date;
}
