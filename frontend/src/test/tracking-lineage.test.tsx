import { fireEvent, render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it, vi } from "vitest";
import type { Graph, GraphNode } from "../api/lineage";
import { LineageGraph } from "../pages/tracking/LineageGraph";
import { layerOf, layoutGraph } from "../pages/tracking/lineageLayout";
import { nodePage } from "../pages/tracking/nodeLinks";

const at = "2026-01-01T00:00:00Z";
const node = (id: number, kind: string, label: string, up: number | null, down: number | null): GraphNode => ({
  id,
  kind,
  ref: String(id),
  label,
  created_at: at,
  upstream_distance: up,
  downstream_distance: down,
});

// dataset v1 -> (derived) dataset v2 -> (used) eval run <- (evaluated) prompt v3 ... focus is the eval run.
const graph: Graph = {
  root: node(3, "eval_run", "qa run 1", 0, 0),
  nodes: [
    node(3, "eval_run", "qa run 1", 0, 0),
    node(2, "dataset_version", "qa v2", 1, null),
    node(4, "prompt_version", "support/answer v3", 1, null),
    node(1, "dataset_version", "qa v1", 2, null),
    node(5, "model_version", "churn v1", null, 1),
  ],
  edges: [
    { id: 10, kind: "derived_from", source: 1, target: 2, created_at: at },
    { id: 11, kind: "used", source: 2, target: 3, created_at: at },
    { id: 12, kind: "evaluated", source: 4, target: 3, created_at: at },
    { id: 13, kind: "gated", source: 3, target: 5, created_at: at },
  ],
};

describe("lineage layout", () => {
  it("puts upstream layers left of the focus and downstream right of it", () => {
    const layout = layoutGraph(graph);
    const byId = new Map(layout.nodes.map((p) => [p.node.id, p]));
    expect([1, 2, 3, 5].map((id) => byId.get(id)?.layer)).toEqual([-2, -1, 0, 1]);
    const x = (id: number) => byId.get(id)?.x ?? NaN;
    expect(x(1)).toBeLessThan(x(2));
    expect(x(2)).toBeLessThan(x(3));
    expect(x(3)).toBeLessThan(x(5));
    // two upstream neighbours share a column, one above the other
    expect(x(2)).toBe(x(4));
    expect(byId.get(2)?.y).not.toBe(byId.get(4)?.y);
    expect(layout.edges).toHaveLength(4);
    expect(layout.width).toBeGreaterThan(x(5));
  });

  it("sends a node reached both ways to the nearer side", () => {
    expect(layerOf(node(9, "trace", "t", 3, 1), 1)).toBe(1);
    expect(layerOf(node(9, "trace", "t", 2, 2), 1)).toBe(-2);
    expect(layerOf(node(1, "trace", "t", 0, 0), 1)).toBe(0);
  });

  it("links nodes to their own pages", () => {
    expect(nodePage(node(4, "prompt_version", "support/answer v3", 1, null))).toBe("/prompts/support/answer");
    expect(nodePage(node(5, "model_version", "churn v1", null, 1))).toBe("/models/churn");
    expect(nodePage({ kind: "experiment_run", ref: "abc", label: "" })).toBe("/experiments/runs/abc");
    expect(nodePage({ kind: "trace", ref: "prompt:a/b@2", label: "" })).toBe("/traces?prompt_name=a%2Fb&prompt_version=2");
    expect(nodePage({ kind: "trace", ref: "model:gpt-4o", label: "" })).toBe("/traces?model=gpt-4o");
    expect(nodePage({ kind: "dataset_version", ref: "7", label: "qa v1" })).toBe("/evaluations/datasets/qa");
    expect(nodePage({ kind: "eval_run", ref: "r-1", label: "qa run r-1" })).toBe("/evaluations/runs/r-1");
    expect(nodePage({ kind: "external", ref: "git:abc", label: "commit abc" })).toBeNull();
  });

  it("re-centres on a node clicked or chosen with Enter, and lists every edge", () => {
    const onFocus = vi.fn();
    render(
      <MemoryRouter>
        <LineageGraph graph={graph} onFocus={onFocus} />
      </MemoryRouter>,
    );
    fireEvent.click(screen.getByRole("button", { name: /Model version churn v1 \(downstream\)/ }));
    expect(onFocus).toHaveBeenLastCalledWith(expect.objectContaining({ id: 5 }));
    fireEvent.keyDown(screen.getByRole("button", { name: /Dataset version qa v1 \(upstream\)/ }), { key: "Enter" });
    expect(onFocus).toHaveBeenLastCalledWith(expect.objectContaining({ id: 1 }));
    const rows = screen.getAllByRole("row").slice(1).map((r) => r.textContent);
    expect(rows).toEqual([
      "qa v1derived fromqa v2",
      "qa v2usedqa run 1",
      "support/answer v3evaluatedqa run 1",
      "qa run 1gatedchurn v1",
    ]);
  });
});
