import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { PromptDiff } from "../api/types";
import { DiffView } from "../components/DiffView";

// Shaped exactly as llmops/prompts/diffs.py version_diff() + DiffView adds base/target.
const textDiff: PromptDiff = {
  base: 1,
  target: 3,
  template: {
    type: "text",
    lines: [
      { op: "equal", old: 1, new: 1, text: "You are a helpful assistant." },
      { op: "removed", old: 2, new: null, text: "Answer {{question}} briefly." },
      { op: "added", old: null, new: 2, text: "Answer {{question}} in detail." },
      { op: "added", old: null, new: 3, text: "Cite sources." },
    ],
  },
  config: {
    added: { "parameters.top_p": 0.9 },
    removed: {},
    changed: { "parameters.temperature": { old: 0.2, new: 0.7 } },
  },
};

describe("DiffView", () => {
  it("marks added and removed lines with their line numbers", () => {
    const { container } = render(<DiffView diff={textDiff} />);
    const rows = container.querySelectorAll("table.diff-lines tbody tr");
    expect(Array.from(rows).map((r) => r.getAttribute("data-op"))).toEqual(["equal", "removed", "added", "added"]);
    const removed = rows[1] as HTMLElement;
    expect(removed).toHaveClass("diff-removed");
    expect(within(removed).getByText("Answer {{question}} briefly.")).toBeInTheDocument();
    expect(within(removed).getByLabelText("removed")).toHaveTextContent("-");
    const cells = removed.querySelectorAll("td.ln");
    expect(cells[0]?.textContent).toBe("2");
    expect(cells[1]?.textContent).toBe("");
    expect(rows[3]).toHaveClass("diff-added");
    expect(screen.getByText("+2")).toBeInTheDocument();
    expect(screen.getByText("−1")).toBeInTheDocument();
  });

  it("renders config changes", () => {
    render(<DiffView diff={textDiff} />);
    expect(screen.getByText("parameters.temperature")).toBeInTheDocument();
    expect(screen.getByText("0.2 → 0.7")).toBeInTheDocument();
    expect(screen.getByText("parameters.top_p").closest("tr")).toHaveClass("diff-added");
  });

  it("renders a chat diff message by message", () => {
    const chat: PromptDiff = {
      base: 2,
      target: 4,
      template: {
        type: "chat",
        messages: [
          { op: "equal", old_index: 0, new_index: 0, message: { role: "system", content: "Be terse." } },
          {
            op: "changed",
            old_index: 1,
            new_index: 1,
            old_role: "user",
            new_role: "user",
            lines: [
              { op: "removed", old: 1, new: null, text: "Hi {{name}}" },
              { op: "added", old: null, new: 1, text: "Hello {{name}}" },
            ],
          },
          { op: "added", old_index: null, new_index: 2, message: { type: "placeholder", name: "history" } },
        ],
      },
      config: { added: {}, removed: {}, changed: {} },
    };
    const { container } = render(<DiffView diff={chat} />);
    const entries = container.querySelectorAll("li.diff-msg");
    expect(Array.from(entries).map((e) => e.getAttribute("data-op"))).toEqual(["equal", "changed", "added"]);
    expect(within(entries[1] as HTMLElement).getByText("Hello {{name}}").closest("tr")).toHaveClass("diff-added");
    expect(screen.getByText("placeholder history")).toBeInTheDocument();
    expect(screen.getByText("Config unchanged.")).toBeInTheDocument();
  });
});
