/**
 * Agents started through the agent spawner (spawner-main.ts), a small process of its own, so
 * that starting one costs ~2 ms and never stalls this process's event loop however much it
 * holds. Started on the first agent, let go after `idleMs` without one; signals still go
 * straight from here to each agent's process group (also synchronously, at exit).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { AgentExit, AgentProcessOptions } from './agent-process.js';
import type { FromSpawner, ToSpawner } from './spawner-messages.js';

export interface SpawnedAgent {
  /** The pid once it runs; undefined when it could not start. */
  readonly started: Promise<number | undefined>;
  readonly exited: Promise<AgentExit>;
  /** SIGTERM to its process group; SIGKILL after `graceMs` without exit. */
  stop(graceMs: number): Promise<AgentExit>;
  /** SIGKILL to its process group, synchronously (for process exit handlers). */
  killNow(): void;
}

export interface Spawner {
  start(options: AgentProcessOptions): SpawnedAgent;
}

interface Entry {
  owner: ChildProcess;
  pid?: number;
  onOutput: AgentProcessOptions['onOutput'];
  started(pid: number | undefined): void;
  exited(exit: AgentExit): void;
}

const SCRIPT = fileURLToPath(new URL('./spawner-main.js', import.meta.url));

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

export function createSpawner(options: { idleMs?: number } = {}): Spawner {
  const idleMs = options.idleMs ?? 1000;
  const prefix = randomUUID().slice(0, 8);
  const entries = new Map<string, Entry>();
  let child: ChildProcess | undefined;
  let idle: NodeJS.Timeout | undefined;
  let next = 0;

  function onMessage(message: FromSpawner): void {
    const entry = entries.get(message.id);
    if (!entry) return;
    if (message.op === 'started') {
      entry.pid = message.pid;
      entry.started(message.pid);
    } else if (message.op === 'output') {
      entry.onOutput(Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength), message.stream);
    } else {
      const startError = message.startError ? Object.assign(new Error(message.startError.message), { code: message.startError.code }) : undefined;
      finish(message.id, { code: message.code, signal: message.signal, ...(startError ? { startError } : {}), leftovers: message.leftovers });
    }
  }

  function finish(id: string, exit: AgentExit): void {
    const entry = entries.get(id);
    if (!entry) return;
    entries.delete(id);
    entry.started(entry.pid);
    entry.exited(exit);
    if (entries.size === 0) letGoSoon();
  }

  /** Without agents it holds nothing open, and goes after a while (one fork saved per burst). */
  function letGoSoon(): void {
    const current = child;
    if (!current) return;
    if (idle) clearTimeout(idle);
    current.unref();
    current.channel?.unref();
    idle = setTimeout(() => {
      if (entries.size === 0 && child === current) {
        child = undefined;
        current.disconnect();
      }
    }, idleMs);
    idle.unref();
  }

  function helper(): ChildProcess {
    if (idle) clearTimeout(idle);
    if (child?.connected) {
      child.ref();
      child.channel?.ref();
      return child;
    }
    const spawned = fork(SCRIPT, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
    spawned.on('message', onMessage);
    const lost = (why: string) => {
      if (child === spawned) child = undefined;
      for (const [id, entry] of entries) if (entry.owner === spawned) finish(id, { code: null, signal: null, startError: new Error(why) });
    };
    spawned.on('error', (err) => lost(`the agent spawner failed: ${err.message}`));
    spawned.on('exit', (code, signal) => lost(`the agent spawner ended (${signal ?? `exit code ${code}`})`));
    child = spawned;
    return spawned;
  }

  return {
    start(agent) {
      const id = `${prefix}-${++next}`;
      const owner = helper();
      let started: (pid: number | undefined) => void = () => {};
      let exited: (exit: AgentExit) => void = () => {};
      const startedPromise = new Promise<number | undefined>((resolve) => (started = resolve));
      const exitedPromise = new Promise<AgentExit>((resolve) => (exited = resolve));
      const entry: Entry = { owner, onOutput: agent.onOutput, started, exited };
      entries.set(id, entry);
      const message: ToSpawner = { op: 'spawn', id, command: agent.command, env: agent.env, cwd: agent.cwd };
      owner.send(message);
      return {
        started: startedPromise,
        exited: exitedPromise,
        async stop(graceMs) {
          const pid = await startedPromise;
          signalGroup(pid, 'SIGTERM');
          const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
          timer.unref();
          const exit = await exitedPromise;
          clearTimeout(timer);
          return exit;
        },
        killNow() {
          if (entry.pid !== undefined) signalGroup(entry.pid, 'SIGKILL');
          else if (owner.connected) owner.send({ op: 'kill', id, signal: 'SIGKILL' } satisfies ToSpawner);
        },
      };
    },
  };
}
