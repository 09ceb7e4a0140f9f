/**
 * One Job's pod on this machine, from start to end — what a kubelet does for it: the init
 * containers (pod.ts), then the agent (through the spawner), then, after it exits, the agent
 * image's capture step (capture.ts), bounded by the Job's activeDeadlineSeconds; stopped on
 * request. What the Job's status says is the caller's: it hears through `hooks`.
 */
import type { V1Job } from '@kubernetes/client-node';
import type { JobInputs } from '../../job/inputs.js';
import type { AgentExit } from '../agent-process.js';
import type { Leftover } from '../leftovers.js';
import type { SpawnedAgent, Spawner } from '../spawner.js';
import { captureOutputs } from './capture.js';
import { PodError, preparePod, type PreparedPod } from './pod.js';

export type PodOutcome =
  | { succeeded: true }
  | {
      succeeded: false;
      reason: string;
      message: string;
      /** Said on the pod's log too (the agent never said anything about it). */
      logged?: boolean;
    };

export interface PodHooks {
  /** The pod is active: its init containers, or its agent, started. Called once. */
  active(): void;
  /** The agent's output, the capture step's block, and Dendrite's own lines about the pod. */
  output(chunk: Buffer, stream: 'stdout' | 'stderr'): void;
  /** What the agent left running in sessions of its own (ended when it exited). */
  leftovers(processes: Leftover[]): void;
  /** The pod ended. Called once. */
  finished(outcome: PodOutcome): void;
}

export interface PodRunOptions {
  job: V1Job;
  /** The pod's own directory. */
  dir: string;
  inputs: JobInputs;
  /** Each container's environment by name, Secrets resolved. */
  envs: ReadonlyMap<string, Record<string, string>>;
  /** The agent's program and arguments, the prompt last. */
  command: string[];
  sourceDir: string;
  spawner: Spawner;
  hooks: PodHooks;
}

export interface RunningPod {
  /** Where its agent runs, once it does. */
  readonly workingDir: string | undefined;
  /** Ends it: a clone in progress at once, the agent's process group with SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs: number): Promise<void>;
  /** SIGKILL to everything it runs, synchronously (for a process `exit` handler). */
  killNow(): void;
}

function exitMessage(exit: AgentExit): string {
  if (exit.startError) return `the agent could not start: ${exit.startError.message}`;
  if (exit.signal) return `the agent was ended by ${exit.signal}`;
  return `the agent exited with code ${exit.code}`;
}

export function runPod(options: PodRunOptions): RunningPod {
  const { job, hooks } = options;
  const preparing = new AbortController();
  let agent: SpawnedAgent | undefined;
  let workingDir: string | undefined;
  let active = false;
  let ended = false;
  let stopped = false;
  let deadlineExceeded = false;
  let deadline: NodeJS.Timeout | undefined;

  const finish = (outcome: PodOutcome) => {
    if (ended) return;
    ended = true;
    if (deadline) clearTimeout(deadline);
    if (!outcome.succeeded && outcome.logged) hooks.output(Buffer.from(`dendrite: ${outcome.message}\n`), 'stderr');
    hooks.finished(outcome);
  };

  const activate = () => {
    if (active) return;
    active = true;
    hooks.active();
    const seconds = job.spec?.activeDeadlineSeconds;
    if (seconds === undefined) return;
    deadline = setTimeout(() => {
      deadlineExceeded = true;
      preparing.abort();
      void agent?.stop(5000);
    }, seconds * 1000);
    deadline.unref();
  };

  async function afterExit(pod: PreparedPod, exit: AgentExit): Promise<void> {
    agent = undefined;
    if (exit.leftovers?.length) hooks.leftovers(exit.leftovers);
    if (deadlineExceeded) return finish({ succeeded: false, reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    if (exit.startError) return finish({ succeeded: false, reason: 'StartError', message: exitMessage(exit), logged: true });
    // As the agent image's entrypoint does: the capture step runs after the agent, whatever its exit.
    if (pod.repo && !stopped) {
      const block = await captureOutputs(pod.repo, pod.env).catch(() => '');
      if (block) hooks.output(Buffer.from(block), 'stdout');
    }
    // In a cluster the pod fails and, with backoffLimit 0, the Job fails with this reason.
    finish(exit.code === 0 ? { succeeded: true } : { succeeded: false, reason: 'BackoffLimitExceeded', message: exitMessage(exit) });
  }

  function startAgent(pod: PreparedPod): void {
    workingDir = pod.cwd;
    agent = options.spawner.start({ command: options.command, env: pod.env, cwd: pod.cwd, onOutput: hooks.output });
    void agent.started.then((pid) => {
      if (pid !== undefined && !ended) activate();
    });
    void agent.exited.then((exit) => afterExit(pod, exit));
  }

  // With init containers the pod is active while they run; otherwise from its agent's start.
  if ((job.spec?.template.spec?.initContainers ?? []).length > 0) activate();
  preparePod({ job, dir: options.dir, inputs: options.inputs, envs: options.envs, sourceDir: options.sourceDir, signal: preparing.signal }).then(
    (pod) => {
      if (stopped || deadlineExceeded) {
        finish(deadlineExceeded
          ? { succeeded: false, reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }
          : { succeeded: false, reason: 'BackoffLimitExceeded', message: 'the pod was stopped before its agent started', logged: true });
        return;
      }
      startAgent(pod);
    },
    (err: unknown) => {
      if (deadlineExceeded) return finish({ succeeded: false, reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
      const message = stopped
        ? 'the pod was stopped while its init containers ran'
        : err instanceof PodError
          ? err.message
          : `the pod could not be prepared: ${(err as Error).message}`;
      finish({ succeeded: false, reason: 'BackoffLimitExceeded', message, logged: true });
    },
  );

  return {
    get workingDir() {
      return workingDir;
    },
    async stop(graceMs) {
      stopped = true;
      preparing.abort();
      await agent?.stop(graceMs);
    },
    killNow() {
      preparing.abort();
      agent?.killNow();
    },
  };
}
