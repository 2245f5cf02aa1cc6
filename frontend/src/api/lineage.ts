// The lineage graph endpoints (/api/v1/lineage/...) and their shapes.
import { request } from "./client";
import type { components } from "./schema";

type Schemas = components["schemas"];

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

export type LineageNode = Schemas["NodeOutput"];

/** A node with its fewest edges from the focus going upstream and downstream (null when not
 * reached that way). */
export type GraphNode = Schemas["GraphNodeOutput"];

/** An edge from its upstream node (`source`) to its downstream node (`target`). */
export type GraphEdge = Schemas["GraphEdgeOutput"];

export type Graph = Schemas["GraphOutput"];

export type NodeList = Schemas["NodeListOutput"];

export const lineageApi = {
  graph: (kind: string, ref: string, depth = 2) =>
    request<Graph>("/lineage/graph", { query: { kind, ref, depth } }),
  nodes: (search: { kind?: string; q?: string; cursor?: number | null; limit?: number }) =>
    request<NodeList>("/lineage/nodes", {
      query: { kind: search.kind, q: search.q, cursor: search.cursor ?? undefined, limit: search.limit ?? 20 },
    }),
};
