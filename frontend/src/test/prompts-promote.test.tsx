import { fireEvent, render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Promotion, PromptLabel } from "../api/prompts";
import { PromotePanel } from "../pages/prompts/PromotePanel";
import { mockFetch, type Call } from "./fetchMock";

afterEach(() => vi.unstubAllGlobals());

const label = (name: string, version: number, protectedLabel: boolean): PromptLabel => ({
  name,
  version,
  protected: protectedLabel,
  updated_at: "2026-01-01T00:00:00Z",
});

function promotion(status: Promotion["status"], done: number, extra: Partial<Promotion> = {}): Promotion {
  return {
    id: "p-1", prompt: "support/answer", label: "production", version: 3, status, reason: "",
    runs: [{ id: "run-1", suite: "faq-gate", status: status === "pending" ? "running" : "failed", progress: { done, total: 5 } }],
    failures: [], requested_by: "alice", created_at: "2026-01-01T00:00:00Z", finished_at: null, ...extra,
  };
}

function show(labels: PromptLabel[], onMoved = vi.fn()) {
  render(
    <MemoryRouter>
      <PromotePanel name="support/answer" version={3} labels={labels} onMoved={onMoved} pollMs={5} />
    </MemoryRouter>,
  );
  return onMoved;
}

function promote(to: string) {
  fireEvent.change(screen.getByLabelText("Label"), { target: { value: to } });
  fireEvent.click(screen.getByRole("button", { name: "Promote" }));
}

describe("promote a version onto a label", () => {
  it("moves an unprotected label directly", async () => {
    const calls = mockFetch((call) =>
      call.method === "PUT"
        ? { body: { moved: true, move: { label: "staging", from_version: 1, to_version: 3, moved_by: "a", reason: "", moved_at: "2026-01-01T00:00:00Z" } } }
        : undefined,
    );
    const onMoved = show([label("staging", 1, false)]);
    promote("staging");
    expect(await screen.findByText("Moved staging to v3.")).toBeInTheDocument();
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(["PUT /api/v1/prompts/support/answer/labels/staging"]);
    expect(calls[0]?.body).toEqual({ version: 3 });
    expect(onMoved).toHaveBeenCalledOnce();
  });

  it("starts the gate when the move answers 409, shows its progress, then the failed threshold and items", async () => {
    // The gate stays pending until the test has seen its progress.
    let decided = false;
    const refusal = promotion("refused", 5, {
      reason: "1 threshold(s) failed",
      failures: [
        {
          suite: "faq-gate", run: "run-1", threshold: "pass rate of correct >= 0.8", actual: 0, baseline: null,
          message: "0",
          items: [
            { item_key: "q0", score: 0, error: null, reason: "does not mention the question" },
            { item_key: "q1", score: 0, error: null, reason: "off topic" },
          ],
        },
      ],
    });
    const calls = mockFetch((call: Call) => {
      if (call.method === "PUT") return { status: 409, body: { error: "conflict", message: "label 'production' is protected" } };
      if (call.method === "POST") return { status: 202, body: promotion("pending", 0) };
      return { body: decided ? refusal : promotion("pending", 3) };
    });
    const onMoved = show([]);
    promote("production");
    expect(await screen.findByText(/3 \/ 5 items evaluated/)).toBeInTheDocument();
    expect(screen.getByRole("progressbar", { name: "Gate progress" })).toHaveAttribute("value", "3");
    decided = true;
    const refused = await screen.findByRole("alert");
    expect(refused).toHaveTextContent("Gate refused: production did not move. 1 threshold(s) failed");
    const failure = within(refused).getByRole("region", { name: "Failed threshold 1" });
    expect(within(failure).getByRole("heading")).toHaveTextContent("pass rate of correct >= 0.8 in suite faq-gate");
    expect(within(failure).getAllByRole("row").slice(1).map((r) => r.textContent)).toEqual([
      "q00does not mention the question",
      "q10off topic",
    ]);
    expect(failure).toHaveTextContent("Measured: 0.");
    expect(within(failure).getByRole("link", { name: "Open the run" })).toHaveAttribute("href", "/evaluations/runs/run-1");
    expect(calls[1]).toMatchObject({ method: "POST", url: "/api/v1/promotions", body: { prompt: "support/answer", label: "production", version: 3 } });
    expect(calls.filter((c) => c.method === "GET").every((c) => c.url === "/api/v1/promotions/p-1")).toBe(true);
    expect(onMoved).not.toHaveBeenCalled();
  });

  it("goes straight to the gate for a label it knows is protected, and reports the move", async () => {
    const calls = mockFetch((call: Call) => {
      if (call.method === "POST") return { status: 202, body: promotion("pending", 0) };
      if (call.method === "GET") return { body: promotion("passed", 5) };
      return undefined;
    });
    const onMoved = show([label("production", 1, true)]);
    expect(screen.queryByText(/is protected: promoting runs its release gate first/)).toBeInTheDocument();
    promote("production");
    expect(await screen.findByText("Gate passed: production moved to v3.")).toBeInTheDocument();
    expect(calls.some((c) => c.method === "PUT")).toBe(false);
    expect(onMoved).toHaveBeenCalledOnce();
  });

  it("says what went wrong when the gate cannot start", async () => {
    mockFetch((call: Call) =>
      call.method === "POST"
        ? { status: 400, body: { error: "invalid", message: "label: no gate suites for 'production'", fields: {} } }
        : { status: 409, body: { error: "conflict", message: "protected" } },
    );
    show([]);
    promote("production");
    expect(await screen.findByRole("alert")).toHaveTextContent("label: no gate suites for 'production'");
  });
});
