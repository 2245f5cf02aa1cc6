// The lineage graph endpoints (/api/v1/lineage/...) and their shapes.
import { request } from "./client";

export const NODE_KINDS = [
  "prompt_version",
  "model_version",
  "dataset_version",
  "eval_run",
  "experiment_run",
  "trace",
  "label_move",
  "external",
] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

export interface LineageNode {
  id: number;
  kind: string;
  ref: string;
  label: string;
  created_at: string;
}

export interface GraphNode extends LineageNode {
  /** Fewest edges from the focus going upstream; null when not reached that way. */
  upstream_distance: number | null;
  downstream_distance: number | null;
}

export interface GraphEdge {
  id: number;
  kind: string;
  /** The upstream node's id. */
  source: number;
  /** The downstream node's id. */
  target: number;
  created_at: string;
}

export interface Graph {
  root: GraphNode;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface NodeList {
  items: LineageNode[];
  next_cursor: number | null;
}

export const lineageApi = {
  graph: (kind: string, ref: string, depth = 2) =>
    request<Graph>("/lineage/graph", { query: { kind, ref, depth } }),
  nodes: (search: { kind?: string; q?: string; cursor?: number | null; limit?: number }) =>
    request<NodeList>("/lineage/nodes", {
      query: { kind: search.kind, q: search.q, cursor: search.cursor ?? undefined, limit: search.limit ?? 20 },
    }),
};
