/**
 * One agent run as a child process — the local stand-in for a Job's pod. The agent leads its
 * own process group, so stopping it (Ctrl-C, a deadline) also ends whatever it started, and
 * when it exits the rest of its group is ended too, as a container's would be.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Leftover } from './leftovers.js';

export interface AgentExit {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not start at all (e.g. ENOENT). */
  startError?: Error;
  /** Processes it left running in sessions of their own, ended after it exited (spawner.ts). */
  leftovers?: Leftover[];
}

export interface AgentProcess {
  readonly pid: number | undefined;
  readonly exited: Promise<AgentExit>;
  /** Signals the whole process group; after `graceMs` without exit, SIGKILL. */
  stop(graceMs: number): Promise<AgentExit>;
  /** One signal to the whole process group. */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL to the group, synchronously (for process exit handlers). */
  killNow(): void;
}

export interface AgentProcessOptions {
  command: string[];
  env: Record<string, string>;
  cwd: string;
  onOutput: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

export function startAgentProcess(options: AgentProcessOptions): AgentProcess {
  const [program, ...args] = options.command;
  const child = spawn(program as string, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => options.onOutput(chunk, 'stdout'));
  child.stderr?.on('data', (chunk: Buffer) => options.onOutput(chunk, 'stderr'));

  const exited = new Promise<AgentExit>((resolve) => {
    let startError: Error | undefined;
    child.once('error', (err) => {
      startError = err;
      // A process that never started emits no 'close' when it has no pid.
      if (child.pid === undefined) resolve({ code: null, signal: null, startError: err });
    });
    child.once('exit', () => {
      // The container ends with its main process: whatever the agent left behind goes too,
      // and the output pipes those leftovers held close.
      signalGroup(child, 'SIGKILL');
      const fallback = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, 1000);
      fallback.unref();
    });
    child.once('close', (code, signal) => {
      resolve({ code, signal, ...(startError ? { startError } : {}) });
    });
  });

  return {
    pid: child.pid,
    exited,
    async stop(graceMs) {
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      timer.unref();
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
    signal(signal) {
      signalGroup(child, signal);
    },
    killNow() {
      signalGroup(child, 'SIGKILL');
    },
  };
}
