/**
 * What the page and its layout (layout-worker.ts) say to each other: the graph's shape — node
 * ids and sizes, edges — one way, the places found for it the other. No Task data crosses:
 * the layout needs none, and a shape is cheap to copy between threads.
 */
import { keyOf, type TaskView } from './wire.js';

export const NODE_WIDTH = 210;
export const NODE_HEIGHT = 70;

export interface GraphShape {
  nodes: { id: string; width: number; height: number }[];
  /** from → to (dependency → dependent). */
  edges: { from: string; to: string }[];
}

export interface Placed {
  /** Node centres. */
  nodes: Map<string, { x: number; y: number }>;
  /** from → to (dependency → dependent), with the path's points. */
  edges: { from: string; to: string; points: { x: number; y: number }[] }[];
  width: number;
  height: number;
}

/** `generation` numbers the shapes the page sent, so that an answer is matched to its shape. */
export interface LayoutRequest {
  generation: number;
  shape: GraphShape;
}

export type LayoutAnswer = { generation: number; placed: Placed } | { generation: number; error: string };

export function shapeOf(tasks: Iterable<TaskView>): GraphShape {
  const all = [...tasks];
  const ids = new Set(all.map(keyOf));
  const edges: GraphShape['edges'] = [];
  for (const task of all) {
    const to = keyOf(task);
    for (const dep of new Set(task.dependsOn)) {
      const from = `${task.namespace}/${dep}`;
      // A dependency not (yet) known has no node: the detail panel names it instead.
      if (ids.has(from)) edges.push({ from, to });
    }
  }
  return { nodes: [...ids].map((id) => ({ id, width: NODE_WIDTH, height: NODE_HEIGHT })), edges };
}
