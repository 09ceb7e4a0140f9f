/** What a result was measured on: recorded with every run. */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { availableParallelism } from 'node:os';

export interface Machine {
  date: string;
  nproc: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  redis: string;
}

function redisVersion(): string {
  try {
    const out = execFileSync('redis-server', ['--version'], { encoding: 'utf8' });
    return /v=(\S+)/.exec(out)?.[1] ?? out.trim();
  } catch {
    return 'unknown';
  }
}

export function machine(): Machine {
  return {
    date: new Date().toISOString(),
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    redis: redisVersion(),
  };
}

export function describeMachine(m: Machine): string {
  return `${m.date} · ${m.nproc} CPUs (${m.cpu}) · ${m.memoryGiB} GiB · Node ${m.node} · Redis ${m.redis}`;
}
