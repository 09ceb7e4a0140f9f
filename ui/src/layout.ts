/**
 * Left-to-right layered layout of the DAG with dagre (@dagrejs/dagre, bundled into the page):
 * a kept Sugiyama implementation, synchronous and small (≈50 KB; elkjs is 1.6 MB and was
 * slower on our 1,000-Task DAG). bench/dashboard.ts measures the first paint of 1,000 Tasks.
 */
import dagre from '@dagrejs/dagre';
import { keyOf, type TaskView } from './wire.js';

export const NODE_WIDTH = 210;
export const NODE_HEIGHT = 70;
/** Above this many Tasks, the faster ranking. */
export const LARGE_GRAPH = 200;

export interface Placed {
  nodes: Map<string, { x: number; y: number }>;
  /** from → to (dependency → dependent), with the path's points. */
  edges: { from: string; to: string; points: { x: number; y: number }[] }[];
  width: number;
  height: number;
}

export function layoutTasks(tasks: Iterable<TaskView>): Placed {
  const graph = new dagre.graphlib.Graph({ multigraph: false });
  const all = [...tasks];
  // Network simplex ranks best but grows steeply (a minute at 1,000 Tasks and 2,850 edges);
  // longest-path ranks such a graph in a small share of that, at some extra edge length.
  const ranker = all.length > LARGE_GRAPH ? 'longest-path' : 'network-simplex';
  graph.setGraph({ rankdir: 'LR', nodesep: 16, ranksep: 64, marginx: 24, marginy: 24, ranker });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const task of all) graph.setNode(keyOf(task), { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const task of all) {
    for (const dep of task.dependsOn) {
      const from = `${task.namespace}/${dep}`;
      // A dependency not (yet) known has no node: the detail panel names it instead.
      if (graph.hasNode(from)) graph.setEdge(from, keyOf(task));
    }
  }
  // (Skipping the crossing-reduction sweeps saves a third of the time at 1,000 Tasks but
  // draws a skewed picture three times as tall: they stay.)
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
