/**
 * What became of each Task at the end of a local run, read from the local cluster: its last
 * phase and message, outputs, the prompt its agent received, how long the agent ran, and for
 * a Task that did not succeed, the end of its agent's log.
 */
import { missingReferences, referencesOf } from '../shared/flow/references.js';
import { isExternal, type Task } from '../shared/task/model.js';
import type { LocalEngine } from './engine.js';
import type { TaskReport } from './view/summary.js';

const FAILURE_TAIL_LINES = 5;

function lastLines(text: string, count: number): string[] {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .slice(-count);
}

/** `interrupted`: the run was stopped, so unfinished Tasks were interrupted rather than stalled. */
export async function reportsOf(engine: LocalEngine, tasks: readonly Task[], interrupted: boolean, stoppedAt: Date): Promise<TaskReport[]> {
  const applied = new Set(tasks.map((t) => `${t.metadata.namespace}/${t.metadata.name}`));
  const reports: TaskReport[] = [];
  for (const given of tasks) {
    const { namespace, name } = given.metadata;
    // A Task its time to live deleted is reported as it was last.
    const gone = engine.deletedTask(namespace, name);
    const current = await engine.cluster.getTask(namespace, name);
    const task = current ?? gone ?? given;
    const status = task.status ?? {};
    const phase = status.phase ?? '';
    const job = await engine.cluster.getJob(namespace, name);
    const prompt = engine.promptOf(namespace, name);
    const terminal = phase === 'Succeeded' || phase === 'Failed';
    const outcome = phase === 'Succeeded' ? 'succeeded' : phase === 'Failed' ? 'failed' : interrupted ? 'interrupted' : 'stalled';
    let message = status.message ?? null;
    if (outcome === 'interrupted') {
      message = job ? `interrupted while ${phase}: its agent was stopped` : `interrupted while ${phase || 'being registered'}`;
    }
    if (outcome === 'stalled') {
      const missing = (task.spec.dependsOn ?? []).filter((dep) => !applied.has(`${namespace}/${dep}`));
      const absent = await missingReferences(engine.cluster, namespace, referencesOf(task));
      message =
        missing.length > 0
          ? `stalled: no Task named ${missing.map((m) => `"${m}"`).join(', ')} was given, so it waits forever`
          : absent.length > 0
            ? `stalled: no ${absent.map((r) => `${r.kind} named "${r.name}"`).join(' and no ')} was given, so it waits forever`
            : isExternal(task) && phase === 'Running'
              ? 'stalled: an external Task ends when another system reports its outcome (dev.dendrite.job.completed); `dendrite serve` takes that event'
              : `stalled: ${message ?? 'nothing more happened'}`;
    }
    const start = status.startTime ? Date.parse(status.startTime) : NaN;
    const end = status.completionTime && terminal ? Date.parse(status.completionTime) : stoppedAt.getTime();
    let logTail: string[] = [];
    if (job && outcome !== 'succeeded') {
      const log = await engine.cluster.readJobLog(namespace, name, '', 64 * 1024).catch(() => null);
      if (log) logTail = lastLines(log.log, FAILURE_TAIL_LINES);
    }
    reports.push({
      namespace,
      name,
      phase,
      outcome,
      message,
      outputs: status.outputs ?? [],
      results: status.results ?? {},
      prompt,
      durationMs: Number.isNaN(start) ? null : Math.max(0, end - start),
      logTail,
      response: status.response ?? '',
      usage: status.usage ?? null,
      ...(!current && gone ? { deleted: true } : {}),
    });
  }
  return reports;
}
