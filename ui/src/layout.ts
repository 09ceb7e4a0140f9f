/**
 * Left-to-right layered layout of a graph's shape with dagre (@dagrejs/dagre): a kept Sugiyama
 * implementation, synchronous and small (≈50 KB; elkjs is 1.6 MB and was slower on our
 * 1,000-Task DAG). Built into its own module (dist/ui/layout.js), which the layout worker
 * imports — and the page itself only when it has no worker (layout-thread.ts) — so that the
 * page's main thread never spends the seconds a large DAG takes. bench/dashboard.ts measures it.
 */
import dagre from '@dagrejs/dagre';
import type { GraphShape, Placed } from './shape.js';

/** Above this many nodes, the faster ranking. */
export const LARGE_GRAPH = 200;

export function layoutShape(shape: GraphShape): Placed {
  const graph = new dagre.graphlib.Graph({ multigraph: false });
  // Network simplex ranks best but grows steeply (a minute at 1,000 Tasks and 2,850 edges);
  // longest-path ranks such a graph in a small share of that, at some extra edge length.
  const ranker = shape.nodes.length > LARGE_GRAPH ? 'longest-path' : 'network-simplex';
  graph.setGraph({ rankdir: 'LR', nodesep: 16, ranksep: 64, marginx: 24, marginy: 24, ranker });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of shape.nodes) graph.setNode(node.id, { width: node.width, height: node.height });
  for (const edge of shape.edges) if (graph.hasNode(edge.from) && graph.hasNode(edge.to)) graph.setEdge(edge.from, edge.to);
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
