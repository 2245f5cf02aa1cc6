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

/**
 * At most about `max` points, for charts of long histories: the steps are cut into buckets and
 * each keeps its lowest and highest point, so spikes survive where plain striding would drop them.
 */
export function downsample(series: Series, max = 1000): Series {
  const points = series.points;
  if (points.length <= max) return series;
  const buckets = Math.max(1, Math.floor(max / 2));
  const size = points.length / buckets;
  const kept: Series["points"] = [];
  for (let b = 0; b < buckets; b++) {
    const bucket = points.slice(Math.floor(b * size), Math.floor((b + 1) * size));
    const valued = bucket.filter((p) => p.y !== null);
    if (valued.length === 0) {
      if (bucket[0]) kept.push(bucket[0]);
      continue;
    }
    const low = valued.reduce((a, p) => ((p.y ?? 0) < (a.y ?? 0) ? p : a));
    const high = valued.reduce((a, p) => ((p.y ?? 0) > (a.y ?? 0) ? p : a));
    if (low === high) kept.push(low);
    else kept.push(...(low.x <= high.x ? [low, high] : [high, low]));
  }
  return { name: series.name, points: kept };
}
