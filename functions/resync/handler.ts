/**
 * resync: a PingSource tick (every minute). Walks every Task and Task Job and repairs what
 * lost or failed events left behind (shared/resync). The event's data is not used: the tick
 * only says "now". A run ended early by Redis or API trouble answers 503 (retried; the next
 * tick resumes anyway); a tick arriving while a run is in progress is accepted and skipped.
 */
import type { CloudEvent } from 'cloudevents';
import { TransientError } from '../../shared/errors.js';
import type { HandlerContext } from '../../shared/http/function-app.js';
import type { ResyncOptions } from '../../shared/resync/config.js';
import type { ResyncState } from '../../shared/resync/plan.js';
import { runResync, type ResyncDeps, type ResyncReport } from '../../shared/resync/resync.js';

export function createResyncHandler(deps: ResyncDeps, options: ResyncOptions, state: ResyncState) {
  let inProgress: Promise<ResyncReport> | undefined;
  return async function handleTick(_event: CloudEvent<unknown>, handlerContext: HandlerContext): Promise<void> {
    if (inProgress) {
      handlerContext.log.info('a resync run is in progress; this tick is skipped');
      return;
    }
    inProgress = runResync({ ...deps, log: handlerContext.log }, options, state);
    let report: ResyncReport;
    try {
      report = await inProgress;
    } finally {
      inProgress = undefined;
    }
    if (report.aborted) throw new TransientError(`resync stopped early: ${report.aborted}`);
  };
}
