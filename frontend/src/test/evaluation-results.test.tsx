import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RunResult } from "../api/evaluation";
import { ResultsPanel, resultFailed } from "../pages/evaluation/ResultsPanel";
import { mockFetch } from "./fetchMock";

afterEach(() => vi.unstubAllGlobals());

const inRouter = (ui: ReactElement) => render(<MemoryRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>{ui}</MemoryRouter>);

const passing: RunResult = {
  item_key: "hours",
  input: { question: "opening hours" },
  expected: "9 to 5",
  output: "We open 9 to 5",
  verdicts: { mentions: { score: 1, passed: true }, correct: { score: 1, passed: true, label: "5", reason: "matches" } },
  error: "",
  latency_ms: 120,
  total_tokens: 30,
  trace_id: "",
};
const failing: RunResult = {
  item_key: "refund",
  input: { question: "refunds" },
  expected: "30 days",
  output: "ask support",
  verdicts: { mentions: { score: 0, passed: false }, correct: { error: "judge did not answer with a JSON object" } },
  error: "",
  latency_ms: 95,
  total_tokens: 28,
  trace_id: "0af7651916cd43dd8448eb211c80319c",
};

describe("run results", () => {
  it("decides failure from the error and every verdict", () => {
    expect(resultFailed(passing)).toBe(false);
    expect(resultFailed(failing)).toBe(true);
    expect(resultFailed({ ...passing, error: "timeout" })).toBe(true);
    expect(resultFailed({ ...passing, verdicts: { x: { error: "boom" } } })).toBe(true);
  });

  it("asks the server for failed items only when the filter is on, and shows their verdicts", async () => {
    const calls = mockFetch((call) => {
      if (!call.url.startsWith("/api/v1/runs/r1/results")) return undefined;
      const failedOnly = new URL(call.url, "http://x").searchParams.get("failed") === "true";
      return { body: { items: failedOnly ? [failing] : [passing, failing], next_cursor: null } };
    });
    const { container } = inRouter(<ResultsPanel runId="r1" evaluators={["mentions", "correct"]} />);
    await waitFor(() => expect(container.querySelectorAll("table.results tbody tr")).toHaveLength(2));
    expect(calls[0]?.url).not.toContain("failed=");
    const rows = container.querySelectorAll("table.results tbody tr");
    expect(rows[0]).not.toHaveClass("row-failed");
    expect(rows[1]).toHaveClass("row-failed");
    expect(within(rows[0] as HTMLElement).getByText("matches")).toBeInTheDocument();

    fireEvent.click(screen.getByLabelText("Failed only"));
    await waitFor(() => expect(container.querySelectorAll("table.results tbody tr")).toHaveLength(1));
    expect(calls.at(-1)?.url).toContain("failed=true");
    const only = container.querySelector("table.results tbody tr") as HTMLElement;
    expect(within(only).getByText("refund")).toBeInTheDocument();
    expect(within(only).getByText("fail")).toBeInTheDocument();
    expect(within(only).getByText("judge did not answer with a JSON object")).toBeInTheDocument();
    expect(within(only).getByRole("link", { name: "Trace of item refund" })).toHaveAttribute(
      "href",
      "/traces/0af7651916cd43dd8448eb211c80319c",
    );

    fireEvent.click(screen.getByLabelText("Failed only"));
    await waitFor(() => expect(container.querySelectorAll("table.results tbody tr")).toHaveLength(2));
    expect(calls.at(-1)?.url).not.toContain("failed=");
  });

  it("says so when no item failed", async () => {
    mockFetch(() => ({ body: { items: [], next_cursor: null } }));
    inRouter(<ResultsPanel runId="r1" evaluators={["mentions"]} />);
    fireEvent.click(await screen.findByLabelText("Failed only"));
    expect(await screen.findByText("No failed items.")).toBeInTheDocument();
  });
});
