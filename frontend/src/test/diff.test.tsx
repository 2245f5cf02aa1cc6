import { fireEvent, render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { PromptDiff } from "../api/types";
import { DiffView, splitRows } from "../components/DiffView";

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
  it("shows old and new side by side, a changed line beside its replacement", () => {
    const { container } = render(<DiffView diff={textDiff} />);
    expect(screen.getByRole("button", { name: "Side by side" })).toHaveAttribute("aria-pressed", "true");
    const rows = Array.from(container.querySelectorAll("table.diff-split tbody tr"));
    const cells = (row: Element) => Array.from(row.querySelectorAll("td")).map((td) => td.textContent);
    expect(rows.map(cells)).toEqual([
      ["1", "You are a helpful assistant.", "1", "You are a helpful assistant."],
      ["2", "removed: Answer {{question}} briefly.", "2", "added: Answer {{question}} in detail."],
      ["", "", "3", "added: Cite sources."],
    ]);
    expect(rows[1]?.querySelector("td[data-op='removed']")).toHaveClass("diff-removed");
    expect(rows[2]?.querySelector("td[data-op='added']")).toHaveClass("diff-added");
    expect(splitRows(textDiff.template.type === "text" ? textDiff.template.lines : []).map((r) => [r.old?.old ?? null, r.new?.new ?? null])).toEqual([
      [1, 1],
      [2, 2],
      [null, 3],
    ]);
  });

  it("marks added and removed lines with their line numbers in the unified layout", () => {
    const { container } = render(<DiffView diff={textDiff} />);
    fireEvent.click(screen.getByRole("button", { name: "Unified" }));
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
    fireEvent.click(screen.getByRole("button", { name: "Unified" }));
    const entries = container.querySelectorAll("li.diff-msg");
    expect(Array.from(entries).map((e) => e.getAttribute("data-op"))).toEqual(["equal", "changed", "added"]);
    expect(within(entries[1] as HTMLElement).getByText("Hello {{name}}").closest("tr")).toHaveClass("diff-added");
    expect(screen.getByText("placeholder history")).toBeInTheDocument();
    expect(screen.getByText("Config unchanged.")).toBeInTheDocument();
  });

  it("renders a removed message and a changed role side by side", () => {
    const chat: PromptDiff = {
      base: 1,
      target: 2,
      template: {
        type: "chat",
        messages: [
          { op: "removed", old_index: 0, new_index: null, message: { role: "system", content: "Old rules." } },
          {
            op: "changed", old_index: 1, new_index: 0, old_role: "user", new_role: "developer",
            lines: [{ op: "equal", old: 1, new: 1, text: "Same text" }],
          },
        ],
      },
      config: { added: {}, removed: { model: "a" }, changed: {} },
    };
    const { container } = render(<DiffView diff={chat} />);
    const entries = container.querySelectorAll("li.diff-msg");
    expect(entries[0]).toHaveClass("diff-removed");
    expect(within(entries[0] as HTMLElement).getByText("Old rules.")).toBeInTheDocument();
    expect(within(entries[1] as HTMLElement).getByText("user → developer")).toBeInTheDocument();
    expect(within(entries[1] as HTMLElement).getAllByText("Same text")).toHaveLength(2);
    expect(screen.getByText("model").closest("tr")).toHaveClass("diff-removed");
  });
});
