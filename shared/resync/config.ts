/** What bounds one resync run, and where it comes from (env, read once by main). */

export interface ResyncOptions {
  /** Namespaces to walk; undefined walks every namespace the cluster adapter can list. */
  namespaces?: string[];
  /** Objects per list page (memory per page stays bounded). */
  pageSize: number;
  /** Most repairs one run makes; the rest are counted as deferred and made by the next run. */
  maxRepairs: number;
  /**
   * A Task launched or Running whose Job is missing is failed only when a previous run saw
   * the Job missing too, at least this long ago: a Job deleted right after it finished may
   * still have its completion on the way.
   */
  lostJobGraceMs: number;
  /** Log bytes read for outputs when resync completes a Task from its finished Job. */
  logTailBytes: number;
  /**
   * How long a deleted Task's tombstone stays in the index at least: Tasks created before the
   * deletion whose registration comes late (a lost add event, repaired by a later tick) must
   * still see what it made.
   */
  tombstoneRetentionMs: number;
}

export const DEFAULT_RESYNC_OPTIONS: Readonly<ResyncOptions> = Object.freeze({
  pageSize: 250,
  maxRepairs: 500,
  lostJobGraceMs: 120_000,
  logTailBytes: 1024 * 1024,
  tombstoneRetentionMs: 600_000,
});

type Env = Record<string, string | undefined>;

function positive(env: Env, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${key} must be an integer ≥ 1, got "${raw}"`);
  return value;
}

/**
 * DENDRITE_RESYNC_NAMESPACES (comma-separated; default `homeNamespace`, the namespace the
 * function runs in, else every namespace), DENDRITE_RESYNC_PAGE_SIZE,
 * DENDRITE_RESYNC_MAX_REPAIRS, DENDRITE_RESYNC_LOST_JOB_GRACE_SECONDS, DENDRITE_RESYNC_TOMBSTONE_SECONDS,
 * DENDRITE_LOG_TAIL_BYTES.
 */
export function readResyncOptions(env: Env, homeNamespace?: string): ResyncOptions {
  const listed = (env.DENDRITE_RESYNC_NAMESPACES ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const namespaces = listed.length > 0 ? listed : homeNamespace ? [homeNamespace] : undefined;
  return {
    namespaces,
    pageSize: positive(env, 'DENDRITE_RESYNC_PAGE_SIZE', DEFAULT_RESYNC_OPTIONS.pageSize),
    maxRepairs: positive(env, 'DENDRITE_RESYNC_MAX_REPAIRS', DEFAULT_RESYNC_OPTIONS.maxRepairs),
    lostJobGraceMs: positive(env, 'DENDRITE_RESYNC_LOST_JOB_GRACE_SECONDS', DEFAULT_RESYNC_OPTIONS.lostJobGraceMs / 1000) * 1000,
    logTailBytes: positive(env, 'DENDRITE_LOG_TAIL_BYTES', DEFAULT_RESYNC_OPTIONS.logTailBytes),
    tombstoneRetentionMs: positive(env, 'DENDRITE_RESYNC_TOMBSTONE_SECONDS', DEFAULT_RESYNC_OPTIONS.tombstoneRetentionMs / 1000) * 1000,
  };
}
