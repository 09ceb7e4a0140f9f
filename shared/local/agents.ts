/**
 * Which program runs a Task's agent on this machine. In a cluster the agent image's
 * `/axon_entrypoint.sh <prompt>` does it; locally it is either the user's `--agent` command or
 * the agent type's own CLI in its non-interactive mode, found on PATH. Either way the rendered
 * prompt is the last argument.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { AgentType } from '../task/model.js';
import { splitCommandLine } from './command-line.js';

export interface AgentCli {
  /**
   * Program and the arguments that put it in one-shot mode with its machine-readable output on,
   * as the agent images run it (so what is captured locally is what a cluster captures).
   */
  command: string[];
  /** What precedes the prompt, which comes last. */
  promptFlag: string[];
  /** What to install when the program is missing. */
  install: string;
}

/**
 * The images also pass each CLI its flag to skip permission prompts (they run in a container);
 * on your machine an agent runs with your CLI's own permission settings instead.
 */
export const AGENT_CLIS: Readonly<Record<AgentType, AgentCli>> = Object.freeze({
  'claude-code': {
    command: ['claude', '--output-format', 'stream-json', '--verbose'],
    promptFlag: ['-p'],
    install: 'Claude Code: npm install -g @anthropic-ai/claude-code',
  },
  codex: { command: ['codex', 'exec', '--json'], promptFlag: [], install: 'Codex CLI: npm install -g @openai/codex' },
  gemini: { command: ['gemini', '--output-format', 'stream-json'], promptFlag: ['-p'], install: 'Gemini CLI: npm install -g @google/gemini-cli' },
  opencode: { command: ['opencode', 'run', '--format', 'json'], promptFlag: [], install: 'opencode: npm install -g opencode-ai' },
});

/**
 * The command line for a Task's agent, up to its prompt (which follows as the last argument);
 * `model` is the Task's spec.model. Throws AgentNotFoundError.
 */
export type AgentResolver = (type: AgentType, model?: string) => string[];

export class AgentNotFoundError extends Error {
  override readonly name = 'AgentNotFoundError';
}

/** The executable `program` resolves to through `pathList` (a PATH value), or null. */
export function findOnPath(program: string, pathList: string): string | null {
  const candidates = program.includes('/') ? [program] : pathList.split(delimiter).filter(Boolean).map((dir) => join(dir, program));
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return null;
}

/** A relative path to an existing file, made absolute against `cwd`; any other word as it is. */
function anchored(word: string, cwd: string): string {
  if (isAbsolute(word) || !word.includes('/')) return word;
  const path = resolve(cwd, word);
  try {
    return statSync(path).isFile() ? path : word;
  } catch {
    return word;
  }
}

/** A word quoted for a shell only when it needs it (inside the hint's double quotes: single quotes). */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface AgentResolverOptions {
  agent?: string;
  pathList: string;
  /**
   * Where `--agent` was given: agents run in a directory of their own, so a word of it that
   * is a relative path to a file here (`node examples/agents/stand-in-agent.mjs`) is made absolute.
   */
  cwd?: string;
  /** The stand-in agent of this installation (absolute), offered when an agent CLI is missing. */
  standInAgent?: string;
}

/**
 * `--agent` given: the same command for every type (split like a shell would, never run
 * through one). Otherwise each type's own CLI, which must be on PATH.
 */
export function createAgentResolver(options: AgentResolverOptions): AgentResolver {
  if (options.agent !== undefined) {
    const command = splitCommandLine(options.agent).map((word) => (options.cwd ? anchored(word, options.cwd) : word));
    if (command.length === 0) throw new AgentNotFoundError('--agent is empty: give the command that runs the agent');
    return () => [...command];
  }
  return (type, model) => {
    const cli = AGENT_CLIS[type];
    const program = cli.command[0] as string;
    if (!findOnPath(program, options.pathList)) {
      // An absolute path: the hint must work from any directory, not only the repository's.
      const standIn = options.standInAgent ? `; to try Dendrite without an agent: --agent "node ${shellWord(options.standInAgent)}"` : '';
      throw new AgentNotFoundError(
        `${type} Tasks run \`${program}\`, which is not on PATH. Install ${cli.install}, ` +
          `or pass --agent "<command>" (the prompt is appended as its last argument)${standIn}`,
      );
    }
    return [...cli.command, ...(model ? ['--model', model] : []), ...cli.promptFlag];
  };
}
