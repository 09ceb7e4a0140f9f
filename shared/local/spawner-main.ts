/**
 * The agent spawner: a small process that starts agents for the local cluster. Starting a
 * process forks its parent, which costs in proportion to the parent's memory — ~20 ms from a
 * run holding 10,000 Tasks, every one stalling its event loop — and ~2 ms from here. It also
 * ends what each agent left in sessions of its own (leftovers.ts) once the agent exits, and
 * when the cluster goes away (the IPC channel closes), every agent it still runs.
 */
import { startAgentProcess, type AgentProcess } from './agent-process.js';
import { AGENT_ID_VARIABLE, endAll, findMarked, type Leftover } from './leftovers.js';
import type { FromSpawner, ToSpawner } from './spawner-messages.js';

/** Looking for leftovers reads every process's environment: at most this often. */
const SWEEP_INTERVAL_MS = 200;

const agents = new Map<string, AgentProcess>();
/** Agents that exited and whose leftovers are still to be looked for, with their exit. */
const exited = new Map<string, Omit<Extract<FromSpawner, { op: 'exit' }>, 'leftovers'>>();
let sweepTimer: NodeJS.Timeout | undefined;
let lastSweep = 0;

const send = (message: FromSpawner) => process.send?.(message);

function sweep(): void {
  sweepTimer = undefined;
  lastSweep = Date.now();
  const running = new Set([...agents.values()].map((a) => a.pid).filter((pid): pid is number => pid !== undefined));
  const found = findMarked(new Set(exited.keys()), running);
  for (const [id, exit] of exited) send({ ...exit, leftovers: endAll(found.get(id) ?? []) });
  exited.clear();
}

function sweepSoon(): void {
  if (sweepTimer) return;
  sweepTimer = setTimeout(sweep, Math.max(0, lastSweep + SWEEP_INTERVAL_MS - Date.now()));
}

function start(message: Extract<ToSpawner, { op: 'spawn' }>): void {
  const { id } = message;
  const agent = startAgentProcess({
    command: message.command,
    env: { ...message.env, [AGENT_ID_VARIABLE]: id },
    cwd: message.cwd,
    onOutput: (chunk, stream) => send({ op: 'output', id, stream, chunk }),
  });
  agents.set(id, agent);
  if (agent.pid !== undefined) send({ op: 'started', id, pid: agent.pid });
  void agent.exited.then((exit) => {
    agents.delete(id);
    const startError = exit.startError
      ? { message: exit.startError.message, ...(typeof (exit.startError as NodeJS.ErrnoException).code === 'string' ? { code: (exit.startError as NodeJS.ErrnoException).code } : {}) }
      : undefined;
    exited.set(id, { op: 'exit', id, code: exit.code, signal: exit.signal, ...(startError ? { startError } : {}) });
    sweepSoon();
  });
}

process.on('message', (message: ToSpawner) => {
  if (message.op === 'spawn') start(message);
  else if (message.op === 'kill') agents.get(message.id)?.signal(message.signal);
});

// The cluster is gone (its process ended, or it let this one go): nothing may outlive it.
process.on('disconnect', () => {
  for (const agent of agents.values()) agent.killNow();
  const ids = new Set([...agents.keys(), ...exited.keys()]);
  endAll([...findMarked(ids).values()].flat() as Leftover[]);
  process.exit(0);
});
