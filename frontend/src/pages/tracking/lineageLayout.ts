// Places a lineage graph in layers: upstream on the left, the focus in the middle,
// downstream on the right.
import type { Graph, GraphEdge, GraphNode } from "../../api/lineage";

export interface PlacedNode {
  node: GraphNode;
  /** Negative for upstream, 0 for the focus, positive for downstream. */
  layer: number;
  x: number;
  y: number;
}

export interface PlacedEdge {
  edge: GraphEdge;
  from: PlacedNode;
  to: PlacedNode;
}

export interface Layout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

export const NODE_WIDTH = 180;
export const NODE_HEIGHT = 44;
const COLUMN_GAP = 90;
const ROW_GAP = 22;
const PAD = 16;

/** The node's layer: upstream distance to the left, downstream to the right; a node reached
 * both ways (a cycle through the focus) goes to the nearer side, upstream on a tie. */
export function layerOf(node: GraphNode, rootId: number): number {
  if (node.id === rootId) return 0;
  const up = node.upstream_distance;
  const down = node.downstream_distance;
  if (up !== null && (down === null || up <= down)) return -up;
  if (down !== null) return down;
  return 0;
}

export function layoutGraph(graph: Graph): Layout {
  const byLayer = new Map<number, GraphNode[]>();
  for (const node of graph.nodes) {
    const layer = layerOf(node, graph.root.id);
    byLayer.set(layer, [...(byLayer.get(layer) ?? []), node]);
  }
  const layers = [...byLayer.keys()].sort((a, b) => a - b);
  const first = layers[0] ?? 0;
  const tallest = Math.max(1, ...[...byLayer.values()].map((nodes) => nodes.length));
  const height = PAD * 2 + tallest * NODE_HEIGHT + (tallest - 1) * ROW_GAP;
  const placed = new Map<number, PlacedNode>();
  for (const layer of layers) {
    // Kind then label keeps a column stable between visits, so the eye finds things again.
    const nodes = [...(byLayer.get(layer) ?? [])].sort(
      (a, b) => a.kind.localeCompare(b.kind) || a.label.localeCompare(b.label) || a.id - b.id,
    );
    const columnHeight = nodes.length * NODE_HEIGHT + (nodes.length - 1) * ROW_GAP;
    const top = (height - columnHeight) / 2;
    nodes.forEach((node, index) => {
      placed.set(node.id, {
        node,
        layer,
        x: PAD + (layer - first) * (NODE_WIDTH + COLUMN_GAP),
        y: top + index * (NODE_HEIGHT + ROW_GAP),
      });
    });
  }
  const edges: PlacedEdge[] = [];
  for (const edge of graph.edges) {
    const from = placed.get(edge.source);
    const to = placed.get(edge.target);
    if (from && to) edges.push({ edge, from, to });
  }
  const width = PAD * 2 + layers.length * NODE_WIDTH + Math.max(0, layers.length - 1) * COLUMN_GAP;
  return { nodes: [...placed.values()], edges, width, height };
}
