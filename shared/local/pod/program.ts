/**
 * Runs a helper program of a local pod — the system git, gh — without a shell, in a session of
 * its own (so ssh can never prompt on the user's terminal), bounded in time, its output kept.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ProgramResult {
  /** Exit code; null when a signal (the deadline, a stop) ended it or it could not start. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why it did not run to an exit code, when it did not. */
  error?: string;
}

export interface ProgramOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** Stops it (SIGKILL to its process group). */
  signal?: AbortSignal;
}

/** Output kept per stream: enough for git's messages, bounded for a chatty program. */
const MAX_OUTPUT = 64 * 1024;

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export function runProgram(program: string, args: readonly string[], options: ProgramOptions): Promise<ProgramResult> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    const keep = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      if (out[stream].length < MAX_OUTPUT) out[stream] += chunk.toString('utf8').slice(0, MAX_OUTPUT - out[stream].length);
    };
    child.stdout!.on('data', keep('stdout'));
    child.stderr!.on('data', keep('stderr'));
    let error: string | undefined;
    const stop = (why: string) => {
      error ??= why;
      killGroup(child);
    };
    const timer = setTimeout(() => stop(`${program} did not finish within ${options.timeoutMs / 1000} s`), options.timeoutMs);
    timer.unref();
    const onAbort = () => stop(`${program} was stopped`);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err) => (error ??= `${program} could not start: ${err.message}`));
    child.once('close', (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ code: error ? null : code, ...out, ...(error ? { error } : {}) });
    });
  });
}
