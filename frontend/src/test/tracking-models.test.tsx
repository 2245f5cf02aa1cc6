import { render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it } from "vitest";
import type { ModelDetail } from "../api/tracking";
import { ModelView } from "../pages/tracking/ModelDetail";

const at = "2026-01-01T00:00:00Z";
const move = (alias: string, from: number | null, to: number | null, by: string) => ({
  alias,
  from_version: from,
  to_version: to,
  moved_by: by,
  gate_passed: false,
  gate_checks: [],
  moved_at: at,
});
const version = (n: number, stage: string, aliases: string[], runId = "") => ({
  version: n,
  source: `s3://m/${n}`,
  run_id: runId,
  run_link: "",
  model_id: "",
  status: "READY",
  description: "",
  current_stage: stage,
  user_id: "ana",
  tags: {},
  aliases,
  lineage_ref: String(100 + n),
  created_at: at,
  updated_at: at,
});

const model: ModelDetail = {
  name: "churn",
  description: "",
  tags: {},
  latest_version: 2,
  aliases: [{ alias: "champion", version: 2 }],
  created_at: at,
  updated_at: at,
  versions: [version(2, "Production", ["champion"], "abc123"), version(1, "Archived", [])],
  alias_history: [move("champion", null, 1, "ana"), move("old", null, 1, "ana"), move("champion", 1, 2, "bob"), move("old", 1, null, "carl")],
  stage_history: [],
  gates: [{ alias: "champion", stage: null, metrics: [{ key: "accuracy", min: 0.9 }], suites: ["qa"], updated_by: "ana", updated_at: at }],
};

describe("model page", () => {
  it("groups alias moves per alias, oldest first, and says where each alias points now", () => {
    render(
      <MemoryRouter>
        <ModelView model={model} />
      </MemoryRouter>,
    );
    const champion = screen.getByRole("region", { name: "Alias champion" });
    expect(within(champion).getByRole("heading")).toHaveTextContent("@champion → version 2");
    expect(within(champion).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      expect.stringContaining("none → v1 by ana"),
      expect.stringContaining("v1 → v2 by bob"),
    ]);
    const old = screen.getByRole("region", { name: "Alias old" });
    expect(within(old).getByRole("heading")).toHaveTextContent("@old → deleted");
    expect(within(old).getAllByRole("listitem")[1]).toHaveTextContent("deleted (was v1) by carl");
    expect(screen.getByRole("link", { name: "abc123" })).toHaveAttribute("href", "/experiments/runs/abc123");
    expect(screen.getByRole("link", { name: "Lineage of version 2" })).toHaveAttribute(
      "href",
      "/lineage?kind=model_version&ref=102",
    );
    expect(screen.getByRole("cell", { name: "0.9 ≤ accuracy" })).toBeInTheDocument();
    expect(screen.getByText(/No stage transitions yet/)).toBeInTheDocument();
  });
});
