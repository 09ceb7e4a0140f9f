/**
 * How much of an agent's outputs can be recorded. They go into Task.status (one etcd object,
 * at most ~1.5 MB with everything else in the Task), into Redis and into the events that
 * announce the result, so they are capped; a Task whose outputs do not fit fails with a message
 * saying so, rather than handing its dependents a silently shortened list.
 */
import { OUTPUT_END_MARKERS, OUTPUT_START_MARKERS } from '../outputs/parse.js';

/** Outputs, results and response together, as JSON. A rendered prompt is at most 128 KiB anyway. */
export const MAX_RECORDED_OUTPUT_BYTES = 512 * 1024;

export interface RecordedOutputs {
  outputs: string[] | null;
  results: Record<string, string> | null;
  /** Capped on its own (agents/report.ts); counted here with the rest. */
  response?: string | null;
}

/** JSON size of the outputs, results and response as they would be stored. */
export function recordedBytes(value: RecordedOutputs): number {
  return (
    Buffer.byteLength(JSON.stringify(value.outputs ?? [])) +
    Buffer.byteLength(JSON.stringify(value.results ?? {})) +
    Buffer.byteLength(JSON.stringify(value.response ?? ''))
  );
}

/** The message for outputs over the cap, or undefined when they fit. */
export function oversizeMessage(value: RecordedOutputs, limit = MAX_RECORDED_OUTPUT_BYTES): string | undefined {
  const bytes = recordedBytes(value);
  if (bytes <= limit) return undefined;
  return (
    `outputs too large: the output block holds ${bytes} bytes (outputs, results and response as JSON), more than the ` +
    `${limit} bytes a Task's status can record — print less between the output markers`
  );
}

const isMarker = (markers: readonly string[]) => (line: string) => markers.includes(line.trim());

/**
 * The end of an output block is in this log tail but its start is not: the block was longer
 * than the tail that was read (a complete block would have been parsed). Only meaningful when
 * the log holds no complete block.
 */
export function blockCutOff(logTail: string): boolean {
  const start = isMarker(OUTPUT_START_MARKERS);
  const end = isMarker(OUTPUT_END_MARKERS);
  for (const line of logTail.split('\n')) {
    if (start(line)) return false;
    if (end(line)) return true;
  }
  return false;
}
