import { render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { MlflowRun } from "../api/tracking";
import { downsample, historyToSeries, metricKeys, metricNumber } from "../pages/tracking/metricSeries";
import { RunsTable, searchKey } from "../pages/tracking/ExperimentDetail";
import { RunView } from "../pages/tracking/RunDetail";
import { mockFetch } from "./fetchMock";

afterEach(() => vi.unstubAllGlobals());

describe("metric history to series", () => {
  it("orders by step, keeps the latest write of a step and turns NaN into a gap", () => {
    const series = historyToSeries("loss", [
      { key: "loss", value: 0.5, timestamp: 20, step: 2 },
      { key: "loss", value: 1.0, timestamp: 10, step: 0 },
      { key: "loss", value: 0.9, timestamp: 11, step: 1 },
      { key: "loss", value: 0.7, timestamp: 12, step: 1 },
      { key: "loss", value: "NaN", timestamp: 30, step: 3 },
    ]);
    expect(series).toEqual({
      name: "loss",
      points: [
        { x: 0, y: 1.0 },
        { x: 1, y: 0.7 },
        { x: 2, y: 0.5 },
        { x: 3, y: null },
      ],
    });
    expect(metricNumber("Infinity")).toBeNull();
    expect(metricKeys([{ data: { metrics: [{ key: "b", value: 1, timestamp: 0, step: 0 }, { key: "a", value: 1, timestamp: 0, step: 0 }] } }])).toEqual(["a", "b"]);
  });
});

const run = (id: string, name: string, lr: string, loss: number): MlflowRun => ({
  info: {
    run_id: id,
    run_name: name,
    experiment_id: "1",
    user_id: "ana",
    status: "FINISHED",
    start_time: 1_700_000_000_000,
    end_time: 1_700_000_090_000,
    artifact_uri: `mlflow-artifacts:/1/${id}/artifacts`,
    lifecycle_stage: "active",
  },
  data: { metrics: [{ key: "loss", value: loss, timestamp: 1, step: 2 }], params: [{ key: "lr", value: lr }], tags: [] },
});

describe("runs table", () => {
  it("shows params and latest metrics as columns and asks the server to sort by a column", () => {
    const onSort = vi.fn();
    render(
      <MemoryRouter>
        <RunsTable
          runs={[run("a1", "first", "0.1", 0.9), run("b2", "second", "0.01", 0.3)]}
          order="attributes.start_time DESC"
          onSort={onSort}
          selected={new Set()}
          onToggle={() => undefined}
        />
      </MemoryRouter>,
    );
    const rows = screen.getAllByRole("row").slice(2).map((r) => [...r.querySelectorAll("td")].map((c) => c.textContent));
    expect(rows.map((cells) => [cells[1], cells[2], cells[4], cells[6], cells[7]])).toEqual([
      ["first", "FINISHED", "1 min 30 s", "0.1", "0.9000"],
      ["second", "FINISHED", "1 min 30 s", "0.01", "0.3000"],
    ]);
    screen.getByRole("button", { name: "loss" }).click();
    expect(onSort).toHaveBeenCalledWith("metrics.loss DESC");
    expect(searchKey("params", "my key")).toBe("params.`my key`");
  });
});

describe("run page", () => {
  it("draws one chart per metric from its full history", async () => {
    const calls = mockFetch((call) => {
      if (call.url.includes("/metrics/get-history"))
        return {
          body: {
            metrics: [
              { key: "loss", value: 1, timestamp: 1, step: 0 },
              { key: "loss", value: 0.4, timestamp: 2, step: 1 },
            ],
          },
        };
      if (call.url.includes("/artifacts/list")) return { body: { root_uri: "x", files: [{ path: "model.pkl", is_dir: false, file_size: 2048 }] } };
      if (call.url.includes("/model-versions/search"))
        return { body: { model_versions: [{ name: "churn", version: "2", current_stage: "Staging", status: "READY", source: "", aliases: ["champion"], creation_timestamp: 1 }] } };
      return undefined;
    });
    const { container } = render(
      <MemoryRouter>
        <RunView run={run("a1", "first", "0.1", 0.4)} />
      </MemoryRouter>,
    );
    expect(await screen.findByRole("img", { name: "loss" })).toBeInTheDocument();
    expect(container.querySelectorAll(".metric-chart svg path[d^='M']")).toHaveLength(1);
    expect(await screen.findByRole("link", { name: "churn version 2" })).toHaveAttribute("href", "/models/churn");
    expect(await screen.findByRole("button", { name: "Download model.pkl" })).toBeInTheDocument();
    expect(calls.find((c) => c.url.includes("get-history"))?.url).toContain("metric_key=loss");
    expect(calls.every((c) => c.url.startsWith("/ajax-api/2.0/mlflow/"))).toBe(true);
  });
});

describe("downsampling a long history", () => {
  it("keeps each bucket's lowest and highest point, in step order", () => {
    const points = Array.from({ length: 10_000 }, (_, step) => ({ x: step, y: step === 4321 ? 99 : step % 7 }));
    const thinned = downsample({ name: "loss", points }, 1000);
    expect(thinned.points.length).toBeLessThanOrEqual(1000);
    expect(thinned.points).toContainEqual({ x: 4321, y: 99 });
    const xs = thinned.points.map((p) => p.x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    const short = { name: "loss", points: points.slice(0, 10) };
    expect(downsample(short, 1000)).toBe(short);
  });
});
