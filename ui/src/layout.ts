/**
 * Left-to-right layered layout of the DAG with dagre (@dagrejs/dagre, bundled into the page):
 * a kept Sugiyama implementation, synchronous and small (≈50 KB), fast enough to lay out
 * 1,000 Tasks in the browser (bench/dashboard.ts measures it).
 */
import dagre from '@dagrejs/dagre';
import { keyOf, type TaskView } from './wire.js';

export const NODE_WIDTH = 210;
export const NODE_HEIGHT = 70;

export interface Placed {
  nodes: Map<string, { x: number; y: number }>;
  /** from → to (dependency → dependent), with the path's points. */
  edges: { from: string; to: string; points: { x: number; y: number }[] }[];
  width: number;
  height: number;
}

export function layoutTasks(tasks: Iterable<TaskView>): Placed {
  const graph = new dagre.graphlib.Graph({ multigraph: false });
  graph.setGraph({ rankdir: 'LR', nodesep: 16, ranksep: 64, marginx: 24, marginy: 24 });
  graph.setDefaultEdgeLabel(() => ({}));
  const all = [...tasks];
  for (const task of all) graph.setNode(keyOf(task), { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const task of all) {
    for (const dep of task.dependsOn) {
      const from = `${task.namespace}/${dep}`;
      // A dependency not (yet) known has no node: the detail panel names it instead.
      if (graph.hasNode(from)) graph.setEdge(from, keyOf(task));
    }
  }
  dagre.layout(graph);
  const nodes = new Map<string, { x: number; y: number }>();
  for (const id of graph.nodes()) {
    const node = graph.node(id);
    nodes.set(id, { x: node.x, y: node.y });
  }
  const edges = graph.edges().map((e) => ({ from: e.v, to: e.w, points: graph.edge(e).points ?? [] }));
  const label = graph.graph();
  return { nodes, edges, width: label.width ?? 0, height: label.height ?? 0 };
}
