import { render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { MetricsRow } from "../api/traces";
import { Dashboard } from "../pages/traces/Dashboard";
import { breakdown, bucketStarts, dashboardSeries, totals } from "../pages/traces/metricsSeries";
import { mockFetch } from "./fetchMock";

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

const H = 3_600_000;
const T0 = Date.parse("2026-03-01T00:00:00Z");

function row(overrides: Partial<MetricsRow> & { bucket: string }): MetricsRow {
  return {
    group: "",
    count: 1,
    input_tokens: 0,
    output_tokens: 0,
    total_tokens: 0,
    cost_total: "0",
    latency_p50_ms: 100,
    latency_p95_ms: 100,
    latency_p99_ms: 100,
    error_rate: 0,
    ...overrides,
  };
}

describe("metrics response -> chart series", () => {
  it("lists every UTC-aligned bucket overlapping the range", () => {
    expect(bucketStarts(T0 + 30 * 60_000, T0 + 3 * H, "hour")).toEqual([T0, T0 + H, T0 + 2 * H]);
    expect(bucketStarts(T0, T0 + 3 * H, "day")).toEqual([T0]);
  });

  it("fills quiet buckets with zero for sums and keeps percentiles only where there is data", () => {
    const rows = [
      row({ bucket: "2026-03-01T00:00:00Z", count: 2, input_tokens: 30, output_tokens: 10, cost_total: "0.000450000000", latency_p50_ms: 120, latency_p95_ms: 300, latency_p99_ms: 480, error_rate: 0.5 }),
      row({ bucket: "2026-03-01T02:00:00Z", count: 1, input_tokens: 5, output_tokens: 5, cost_total: "0.1", latency_p50_ms: 90, latency_p95_ms: 90, latency_p99_ms: 90 }),
    ];
    const s = dashboardSeries(rows, T0, T0 + 3 * H, "hour");
    const ys = (series: { points: { y: number | null }[] }) => series.points.map((p) => p.y);
    expect(s.count[0]!.points.map((p) => p.x)).toEqual([T0, T0 + H, T0 + 2 * H]);
    expect(ys(s.count[0]!)).toEqual([2, 0, 1]);
    expect(ys(s.cost[0]!)).toEqual([0.00045, 0, 0.1]);
    expect(s.tokens.map((t) => [t.name, ys(t)])).toEqual([
      ["input", [30, 0, 5]],
      ["output", [10, 0, 5]],
    ]);
    expect(s.latency.map((t) => [t.name, t.points])).toEqual([
      ["p50", [{ x: T0, y: 120 }, { x: T0 + 2 * H, y: 90 }]],
      ["p95", [{ x: T0, y: 300 }, { x: T0 + 2 * H, y: 90 }]],
      ["p99", [{ x: T0, y: 480 }, { x: T0 + 2 * H, y: 90 }]],
    ]);
    expect(ys(s.errorRate[0]!)).toEqual([50, 0, 0]);
  });

  it("sums groups over the range for breakdowns and weighs error rates by count", () => {
    const rows = [
      row({ bucket: "2026-03-01T00:00:00Z", group: "gpt-4o-mini", count: 3, total_tokens: 300, cost_total: "0.3", error_rate: 1 / 3 }),
      row({ bucket: "2026-03-02T00:00:00Z", group: "gpt-4o-mini", count: 1, total_tokens: 100, cost_total: "0.1" }),
      row({ bucket: "2026-03-01T00:00:00Z", group: "", count: 2, total_tokens: 20, cost_total: "0" }),
    ];
    expect(breakdown(rows, "tokens")).toEqual([
      { label: "gpt-4o-mini", value: 400 },
      { label: "(none)", value: 20 },
    ]);
    expect(breakdown(rows, "count", "(unknown model)")).toEqual([
      { label: "gpt-4o-mini", value: 4 },
      { label: "(unknown model)", value: 2 },
    ]);
    const t = totals(rows);
    expect(t.count).toBe(6);
    expect(t.tokens).toBe(420);
    expect(t.cost).toBeCloseTo(0.4);
    expect(t.errorRate).toBeCloseTo(1 / 6);
    expect(totals([]).errorRate).toBeNull();
  });
});

describe("dashboard page", () => {
  function serve(rowsByGroup: Record<string, MetricsRow[]>) {
    return mockFetch((call) => {
      const url = new URL(call.url, "http://x");
      if (url.pathname !== "/api/v1/metrics") return undefined;
      const groupBy = url.searchParams.get("group_by") ?? "none";
      const calls = groupBy === "model" || groupBy === "prompt_version";
      const body = { measured: calls ? "spans" : "traces", source: calls ? "rollups" : "traces", bucket: url.searchParams.get("bucket"), group_by: groupBy, rows: rowsByGroup[groupBy] ?? [] };
      return { body };
    });
  }

  it("asks for the range in the URL and draws charts and a by-model breakdown", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-03-10T12:30:00Z"));
    const bucket = "2026-03-10T11:00:00Z";
    const calls = serve({
      none: [row({ bucket, count: 4, input_tokens: 1000, output_tokens: 500, total_tokens: 1500, cost_total: "0.00045" })],
      model: [row({ bucket: "2026-03-10T00:00:00Z", group: "gpt-4o-mini", count: 4, total_tokens: 1500, cost_total: "0.00045" })],
    });
    render(
      <MemoryRouter initialEntries={["/dashboard?range=7d"]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <Dashboard />
      </MemoryRouter>,
    );
    expect(await screen.findByRole("img", { name: "Tokens" })).toBeInTheDocument();
    for (const name of ["Cost (USD)", "Latency percentiles (ms)", "Error rate (%)", "Traces"]) {
      expect(screen.getByRole("img", { name })).toBeInTheDocument();
    }
    const overall = calls.map((c) => new URL(c.url, "http://x").searchParams).find((p) => p.get("group_by") === "none")!;
    expect(overall.get("bucket")).toBe("hour");
    // Whole hours, up to the end of the current one, so call breakdowns come from rollups.
    expect(overall.get("to")).toBe("2026-03-10T13:00:00.000Z");
    expect(overall.get("from")).toBe("2026-03-03T13:00:00.000Z");
    expect(screen.getByText(/LLM calls \(from hourly rollups, latency percentiles within 1%\)/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Last 7 days" })).toHaveAttribute("aria-pressed", "true");
    expect(within(screen.getByLabelText("Totals")).getByText("1500")).toBeInTheDocument();
    expect(within(screen.getByLabelText("Totals")).getByRole("link", { name: "4" })).toHaveAttribute("href", "/traces?range=7d");
    const byModel = screen.getByRole("region", { name: "By model" });
    expect(within(byModel).getAllByRole("rowheader", { name: "gpt-4o-mini" })).toHaveLength(3);
  });

  it("says what to do when the range holds no traces", async () => {
    serve({});
    render(
      <MemoryRouter initialEntries={["/dashboard"]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <Dashboard />
      </MemoryRouter>,
    );
    await waitFor(() => expect(screen.getByText(/No traces in the last 24 hours/)).toBeInTheDocument());
    expect(screen.queryByRole("img")).toBeNull();
  });
});
