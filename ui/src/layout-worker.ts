/**
 * The layout's dedicated module worker (dist/ui/layout-worker.js): takes a LayoutRequest, answers
 * with the places or the error, one request at a time — the page sends the next only after
 * this answer (layout-scheduler.ts), so nothing queues here. layout.js stays a module of its
 * own (imported at run time, not bundled in) so that the page's fallback loads the same file.
 */
import { layoutShape } from './layout.js';
import type { LayoutAnswer, LayoutRequest } from './shape.js';

// The page's lib is DOM (where `self` is a Window); a worker's scope has these two. Both are
// used through the scope, looked up at each call: test/dashboard/layout-worker.test.ts wraps
// them from outside to hold the answers.
const scope = self as unknown as { onmessage: ((event: MessageEvent<LayoutRequest>) => void) | null; postMessage(answer: LayoutAnswer): void };

scope.onmessage = (event) => {
  const { generation, shape } = event.data;
  let answer: LayoutAnswer;
  try {
    answer = { generation, placed: layoutShape(shape) };
  } catch (err) {
    answer = { generation, error: err instanceof Error ? err.message : String(err) };
  }
  scope.postMessage(answer);
};
