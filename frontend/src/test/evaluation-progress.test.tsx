import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Run } from "../api/types";
import { RunDetail } from "../pages/evaluation/RunDetail";
import { RunProgress } from "../pages/evaluation/RunProgress";
import { mockFetch } from "./fetchMock";

afterEach(() => vi.unstubAllGlobals());

const RUN_ID = "5b0d9d1e-3f5c-4a3e-9a52-0d1f2a3b4c5d";

function run(status: string, done: number, total: number, extra: Partial<Run> = {}): Run {
  return {
    id: RUN_ID,
    suite: "faq-gate",
    status,
    trigger: "manual",
    dataset_version: 1,
    prompt_version: { prompt: "support/answer", version: 2 },
    baseline_run: null,
    progress: { done, total },
    summary: {},
    thresholds: [],
    error: "",
    created_by: "ada",
    created_at: "2026-11-30T05:00:00Z",
    started_at: null,
    finished_at: null,
    ...extra,
  };
}

describe("run progress", () => {
  it("shows items done of total on a progress bar, and a cancel button while the run works", () => {
    const onCancel = vi.fn();
    render(<RunProgress run={run("running", 3, 12)} onCancel={onCancel} />);
    expect(screen.getByText("3 / 12 items done")).toBeInTheDocument();
    expect(screen.getByText("25%")).toBeInTheDocument();
    const bar = screen.getByRole("progressbar", { name: "Items done" });
    expect(bar).toHaveAttribute("aria-valuenow", "3");
    expect(bar).toHaveAttribute("aria-valuemax", "12");
    fireEvent.click(screen.getByRole("button", { name: "Cancel run" }));
    expect(onCancel).toHaveBeenCalledOnce();
  });

  it("offers no cancel once the run has ended", () => {
    render(<RunProgress run={run("failed", 12, 12)} onCancel={() => undefined} />);
    expect(screen.getByText("100%")).toBeInTheDocument();
    expect(screen.getByText("failed")).toHaveClass("status-failed");
    expect(screen.queryByRole("button", { name: "Cancel run" })).toBeNull();
  });

  it("lists the lanes: done, working, and resumed after a stalled worker", () => {
    const lanes = [
      { lane: 0, items: 6, done: true, attempts: 0, heartbeat_at: "2026-11-30T05:00:05Z" },
      { lane: 1, items: 6, done: false, attempts: 1, heartbeat_at: "2026-11-30T05:00:06Z" },
    ];
    render(<RunProgress run={{ ...run("running", 8, 12), lanes }} />);
    const list = screen.getByRole("list", { name: "Lanes" });
    expect(list.children[0]).toHaveTextContent("Lane 1: done, 6 items");
    expect(list.children[1]).toHaveTextContent("Lane 2: working, 6 items");
    expect(list.children[1]).toHaveTextContent("resumed 1×");
  });

  it("polls a running run until it ends, then stops", async () => {
    const answers = [run("queued", 0, 3), run("running", 1, 3), run("passed", 3, 3, { finished_at: "2026-11-30T05:01:00Z" })];
    let runCalls = 0;
    const calls = mockFetch((call) => {
      if (call.url === `/api/v1/runs/${RUN_ID}`) {
        const answer = answers[Math.min(runCalls, answers.length - 1)];
        runCalls += 1;
        return { body: answer };
      }
      if (call.url.startsWith(`/api/v1/runs/${RUN_ID}/results`)) return { body: { items: [], next_cursor: null } };
      return undefined;
    });
    render(
      <MemoryRouter initialEntries={[`/evaluations/runs/${RUN_ID}`]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <Routes>
          <Route path="/evaluations/runs/:id" element={<RunDetail />} />
        </Routes>
      </MemoryRouter>,
    );
    expect(await screen.findByText("0 / 3 items done")).toBeInTheDocument();
    expect(await screen.findByText("1 / 3 items done", {}, { timeout: 3000 })).toBeInTheDocument();
    expect(await screen.findByText("3 / 3 items done", {}, { timeout: 3000 })).toBeInTheDocument();
    expect(screen.getByText("Passed: every threshold holds.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Cancel run" })).toBeNull();
    // Finished: no more polling.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(calls.filter((c) => c.url === `/api/v1/runs/${RUN_ID}`)).toHaveLength(3);
  }, 10_000);

  it("cancels through the API and shows the cancelled run", async () => {
    const calls = mockFetch((call) => {
      if (call.url === `/api/v1/runs/${RUN_ID}/cancel` && call.method === "POST")
        return { body: run("cancelled", 1, 3, { error: "cancelled" }) };
      if (call.url === `/api/v1/runs/${RUN_ID}`) return { body: run("running", 1, 3) };
      if (call.url.startsWith(`/api/v1/runs/${RUN_ID}/results`)) return { body: { items: [], next_cursor: null } };
      return undefined;
    });
    render(
      <MemoryRouter initialEntries={[`/evaluations/runs/${RUN_ID}`]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <Routes>
          <Route path="/evaluations/runs/:id" element={<RunDetail />} />
        </Routes>
      </MemoryRouter>,
    );
    fireEvent.click(await screen.findByRole("button", { name: "Cancel run" }));
    await waitFor(() => expect(screen.getByText("cancelled", { selector: ".run-status" })).toBeInTheDocument());
    expect(calls.some((c) => c.url === `/api/v1/runs/${RUN_ID}/cancel` && c.method === "POST")).toBe(true);
    expect(screen.queryByRole("button", { name: "Cancel run" })).toBeNull();
  });
});
