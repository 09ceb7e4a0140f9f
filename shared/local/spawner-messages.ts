/** What the local cluster and its agent spawner (spawner-main.ts) say to each other over IPC. */
import type { Leftover } from './leftovers.js';

export type ToSpawner =
  | { op: 'spawn'; id: string; command: string[]; env: Record<string, string>; cwd: string }
  | { op: 'kill'; id: string; signal: NodeJS.Signals };

export type FromSpawner =
  | { op: 'started'; id: string; pid: number }
  | { op: 'output'; id: string; stream: 'stdout' | 'stderr'; chunk: Uint8Array }
  | {
      op: 'exit';
      id: string;
      code: number | null;
      signal: NodeJS.Signals | null;
      startError?: { message: string; code?: string };
      /** Processes of its own session it left running, ended after it exited. */
      leftovers: Leftover[];
    };
