// Turns MLflow metric histories into chart series.
import type { Series } from "../../components/charts/LineChart";
import type { Metric, MetricValue } from "../../api/tracking";

/** A metric value as a number; NaN and infinities (sent as strings) become gaps. */
export function metricNumber(value: MetricValue): number | null {
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

/**
 * One series over steps. When a step was logged more than once the latest write wins (as in
 * MLflow's own charts), so the line never doubles back on itself.
 */
export function historyToSeries(name: string, history: Metric[]): Series {
  const latest = new Map<number, Metric>();
  for (const point of history) {
    const seen = latest.get(point.step);
    if (!seen || point.timestamp >= seen.timestamp) latest.set(point.step, point);
  }
  const points = [...latest.values()]
    .sort((a, b) => a.step - b.step)
    .map((p) => ({ x: p.step, y: metricNumber(p.value) }));
  return { name, points };
}

/** The metric keys logged by any of the runs, sorted, each once. */
export function metricKeys(runs: { data: { metrics: Metric[] } }[]): string[] {
  return [...new Set(runs.flatMap((r) => r.data.metrics.map((m) => m.key)))].sort();
}
