/** What the event-handling flows need, passed in so every handler tests against real parts. */
import type { Logger } from 'pino';
import type { Cluster } from '../cluster/cluster.js';
import type { Emit } from '../events/emit.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../store/store.js';
import type { PromptRenderer } from '../template/renderer.js';
import type { RenderLimits } from '../template/limits.js';

export interface FlowConfig {
  /** CloudEvent `source` of what this function emits, e.g. `/dendrite/job-status`. */
  source: string;
  renderLimits: RenderLimits;
  /**
   * Largest rendered prompt that can be handed to the agent: it travels as one program
   * argument, and Linux refuses a single argument of 128 KiB or more (MAX_ARG_STRLEN).
   */
  maxPromptBytes: number;
}

/** The Job builder's own limit (one program argument), the default for maxPromptBytes. */
export { MAX_PROMPT_BYTES as MAX_SINGLE_ARGUMENT_BYTES } from '../job/build.js';

export interface FlowDeps {
  store: Store;
  cluster: Cluster;
  emit: Emit;
  log: Logger;
  config: FlowConfig;
  /** Renders prompts: in production in a separate process (template/isolated/host.ts). */
  renderer: PromptRenderer;
  now: () => Date;
  /** Prometheus series; absent where nobody scrapes (tests, the local mode). */
  metrics?: Metrics;
}

/** Per-event context: the logger bound to the event and the trace to carry on. */
export interface FlowContext {
  log: Logger;
  traceparent?: string;
}
