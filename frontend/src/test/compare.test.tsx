import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { CompareSide, RunComparison } from "../api/types";
import { ComparisonView } from "../pages/evaluation/RunCompare";

const side = (score: number | null, error: string | null = null): CompareSide => ({
  output: "out",
  error,
  verdicts: { exact: score === null ? { error: "boom" } : { score } },
});

const comparison: RunComparison = {
  base: "11111111-1111-1111-1111-111111111111",
  target: "22222222-2222-2222-2222-222222222222",
  evaluators: ["exact"],
  summary: { exact: { base_mean: 0.75, target_mean: 0.5 }, regressed_items: 1 },
  items: [
    { item_key: "q1", input: { q: "a" }, expected: "x", base: side(1), target: side(0), deltas: { exact: -1 }, regression: true, changed: true },
    { item_key: "q2", input: { q: "b" }, expected: "y", base: side(0), target: side(1), deltas: { exact: 1 }, regression: false, changed: true },
    { item_key: "q3", input: { q: "c" }, expected: "z", base: side(1), target: side(1), deltas: { exact: 0 }, regression: false, changed: false },
  ],
};

describe("run comparison", () => {
  it("keeps the server's order (regressions first) and colours deltas", () => {
    const { container } = render(<ComparisonView comparison={comparison} />);
    const rows = container.querySelectorAll("table.compare tbody tr");
    expect(rows[0]).toHaveClass("row-regression");
    expect(rows[0]?.textContent).toContain("q1");
    expect(rows[1]).toHaveClass("row-changed");
    expect(screen.getByText("(-1)")).toHaveClass("neg");
    expect(screen.getByText("(+1)")).toHaveClass("pos");
    expect(screen.getByText("(0)")).toHaveClass("delta-zero");
    // summary: mean 0.75 -> 0.5 is a drop of 0.25
    expect(screen.getByText("-0.250")).toHaveClass("neg");
    expect(screen.getByText("1", { selector: "strong" })).toHaveClass("neg");
  });
});
