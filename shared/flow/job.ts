/**
 * What a Task's Job says, acted on: active → the Task is `Running`; a terminal condition →
 * outputs from the pod log and the completion recorded. Only for the Task that owns the Job
 * (its controller ownerReference uid): a Job left by an earlier Task of the same name never
 * touches the new one. Shared by job-status (one event) and resync (a listed Job).
 */
import { NotFoundError } from '../errors.js';
import { readAgentLog } from '../agents/report.js';
import { AGENT_TYPES, type AgentType } from '../task/model.js';
import { completeTask, type CompletionReport, type CompletionResult } from './complete.js';
import type { FlowContext, FlowDeps } from './deps.js';
import type { JobView } from './job-view.js';
import { blockCutOff } from './outputs.js';
import { updateStatus } from './status.js';
import { recordTaskEvent } from './task-events.js';

export interface JobFlowOptions {
  /** How much of the end of the agent's log to read for the output block. */
  logTailBytes: number;
}

/** The Job's container is named after its agent type (job/build.ts). */
function agentTypeOf(container: string | undefined): AgentType | undefined {
  return (AGENT_TYPES as readonly string[]).includes(container ?? '') ? (container as AgentType) : undefined;
}

export type JobChangeResult = CompletionResult | 'running' | 'ignored';

function failureMessage(job: JobView): string {
  const parts = [job.outcome?.reason, job.outcome?.message].filter((p): p is string => Boolean(p));
  return parts.length > 0 ? `Job failed: ${parts.join(': ')}` : 'Job failed';
}

async function readReport(deps: FlowDeps, context: FlowContext, job: JobView, options: JobFlowOptions): Promise<CompletionReport> {
  const outcome = job.outcome!;
  const report: CompletionReport = {
    succeeded: outcome.succeeded,
    outputs: null,
    results: null,
    response: '',
    usage: null,
    message: outcome.succeeded ? undefined : failureMessage(job),
    startTime: job.startTime,
    completionTime: outcome.at ?? deps.now().toISOString(),
  };
  let log: string;
  try {
    const read = await deps.cluster.readJobLog(job.namespace, job.jobName, job.container ?? '', options.logTailBytes);
    report.podName = read.podName;
    log = read.log;
  } catch (err) {
    // The pod can be gone (TTL, eviction): the Task still ends, without outputs.
    if (!(err instanceof NotFoundError)) throw err;
    context.log.warn({ job: job.jobName }, 'no pod log to read outputs from');
    return report;
  }
  const agent = readAgentLog(agentTypeOf(job.container), log);
  const answered: CompletionReport = { ...report, outputs: agent.outputs, results: agent.results, response: agent.response, usage: agent.usage };
  if (agent.failure) {
    // The agent says it failed, whatever its exit code: its own reason is the Task's.
    return { ...answered, succeeded: false, message: outcome.succeeded ? agent.failure : `${agent.failure} (${report.message})` };
  }
  if (agent.outputs === null && outcome.succeeded && Buffer.byteLength(log) * 2 > options.logTailBytes && blockCutOff(log)) {
    // Succeeding without outputs would hand dependents nothing, silently.
    return {
      ...answered,
      succeeded: false,
      message:
        `outputs too large: the output block does not fit in the last ${options.logTailBytes} bytes of the log ` +
        'that are read — print less between the output markers',
    };
  }
  return answered;
}


async function markRunning(deps: FlowDeps, context: FlowContext, job: JobView, uid: string): Promise<boolean> {
  const phases = new Set([undefined, 'Waiting', 'Pending']);
  const { written } = await updateStatus(deps, context, { namespace: job.namespace, name: job.taskName!, uid }, (task) =>
    // Events arrive out of order: a finished Task never goes back to Running.
    phases.has(task.status?.phase)
      ? { phase: 'Running', jobName: job.jobName, ...(job.startTime ? { startTime: job.startTime } : {}) }
      : null,
  );
  if (written) {
    await recordTaskEvent(deps, context, { namespace: job.namespace, name: job.taskName!, uid }, {
      type: 'Normal',
      reason: 'TaskRunning',
      message: `Job ${job.jobName} is running`,
    });
  }
  return written;
}

export async function onJobChange(deps: FlowDeps, context: FlowContext, job: JobView, options: JobFlowOptions): Promise<JobChangeResult> {
  if (!job.taskName) return 'ignored';
  const uid = job.taskUid;
  if (!uid) {
    // Not made by a Task (no owner): nothing here may be written on its word.
    context.log.info({ job: job.jobName }, 'Job has no Task owner; ignored');
    return 'ignored';
  }
  if (job.outcome) {
    return completeTask(deps, context, { namespace: job.namespace, name: job.taskName, uid }, () =>
      readReport(deps, context, job, options),
    );
  }
  if (job.active > 0 && (await markRunning(deps, context, job, uid))) return 'running';
  return 'ignored';
}
