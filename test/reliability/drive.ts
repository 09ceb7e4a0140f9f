/** Driving the EngineHarness until nothing is left to happen, with lost events and resync. */
import type { EngineHarness } from '../support/engine-harness.js';

export function task(name: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'axon.io/v1alpha1',
    kind: 'Task',
    metadata: { name },
    spec: { type: 'claude-code', prompt: `work on ${name}`, credentials: { type: 'api-key', secretRef: { name: 'key' } }, ...spec },
  };
}

function finished(job: Record<string, unknown>): boolean {
  const status = (job.status ?? {}) as { conditions?: Array<{ type: string; status: string }> };
  return (status.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** Jobs of a namespace not finished yet. */
export function unfinishedJobs(h: EngineHarness, namespace = 'default'): string[] {
  return h.api.list('jobs', namespace).filter((j) => !finished(j)).map((j) => String(j.metadata.name)).sort();
}

/** Delivers everything and runs every Job (the e2e agent) until the namespace is quiet. */
export async function runToEnd(h: EngineHarness, namespace = 'default', maxRounds = 50): Promise<void> {
  for (let round = 0; round < maxRounds; round++) {
    await h.drain();
    const pending = unfinishedJobs(h, namespace);
    if (pending.length === 0) return;
    for (const name of pending) {
      h.startJob(name, namespace);
      h.finishJob(name, namespace);
    }
  }
  throw new Error('the run did not end');
}

/** Resync and deliver what it emits, until a run repairs nothing. Returns the runs' repair counts. */
export async function resyncUntilQuiet(h: EngineHarness, maxRuns = 20): Promise<number[]> {
  const counts: number[] = [];
  for (let run = 0; run < maxRuns; run++) {
    const report = await h.resync();
    if (report.aborted) throw new Error(`resync aborted: ${report.aborted}`);
    counts.push(report.repairs.length);
    await h.drain();
    if (report.repairs.length === 0 && report.deferred === 0) return counts;
  }
  throw new Error(`resync did not settle: ${counts.join(', ')}`);
}

export function phases(h: EngineHarness, names: string[], namespace = 'default'): Record<string, string | undefined> {
  return Object.fromEntries(names.map((n) => [n, h.task(n, namespace).status?.phase as string | undefined]));
}
