/** Resync's public surface: one run, a periodic loop (local mode), options, report. */
export { DEFAULT_RESYNC_OPTIONS, readResyncOptions, type ResyncOptions } from './config.js';
export { startResyncLoop, type ResyncLoop } from './loop.js';
export { createResyncMetrics, REPAIR_KINDS, type ResyncMetrics } from './metrics.js';
export { newResyncState, planRepairs, type Repair, type RepairKind, type ResyncState } from './plan.js';
export { runResync, type RepairRecord, type ResyncDeps, type ResyncReport } from './resync.js';
export { takeSnapshot, type Snapshot, type TaskFacts } from './snapshot.js';
