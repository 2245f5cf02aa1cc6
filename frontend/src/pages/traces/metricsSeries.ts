// Turning GET /metrics rows into chart series and bars. The API returns only buckets that hold
// data; sums (counts, tokens, cost, errors) get every bucket of the range so that a quiet hour
// reads as zero, while latency percentiles, which do not exist without data, keep their points.
import type { MetricsBucket, MetricsRow } from "../../api/traces";
import type { Bar } from "../../components/charts/BarChart";
import type { Series } from "../../components/charts/LineChart";

export const BUCKET_MS: Record<MetricsBucket, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

export const DASHBOARD_RANGES = {
  "24h": { label: "Last 24 hours", ms: 86_400_000, bucket: "hour" },
  "7d": { label: "Last 7 days", ms: 7 * 86_400_000, bucket: "hour" },
  "30d": { label: "Last 30 days", ms: 30 * 86_400_000, bucket: "day" },
} as const satisfies Record<string, { label: string; ms: number; bucket: MetricsBucket }>;
export type DashboardRange = keyof typeof DASHBOARD_RANGES;

/** The start of every bucket that overlaps [from, to), in epoch ms (buckets are UTC-aligned). */
export function bucketStarts(from: number, to: number, bucket: MetricsBucket): number[] {
  const step = BUCKET_MS[bucket];
  const starts: number[] = [];
  for (let t = Math.floor(from / step) * step; t < to; t += step) starts.push(t);
  return starts;
}

type Pick = (row: MetricsRow) => number | null;

/** One series over every bucket; buckets without a row count as zero. */
export function fillSeries(name: string, rows: MetricsRow[], starts: number[], pick: Pick): Series {
  const byBucket = new Map<number, MetricsRow>();
  for (const row of rows) byBucket.set(Date.parse(row.bucket), row);
  return {
    name,
    points: starts.map((x) => {
      const row = byBucket.get(x);
      return { x, y: row ? pick(row) : 0 };
    }),
  };
}

/**
 * One series with a point only where a bucket has data: a percentile of nothing is not zero,
 * and the line joins the buckets that have one instead of leaving isolated, invisible points.
 */
export function sparseSeries(name: string, rows: MetricsRow[], pick: Pick): Series {
  return {
    name,
    points: rows
      .map((row) => ({ x: Date.parse(row.bucket), y: pick(row) }))
      .filter((p) => p.y !== null)
      .sort((a, b) => a.x - b.x),
  };
}

export interface DashboardSeries {
  count: Series[];
  cost: Series[];
  tokens: Series[];
  latency: Series[];
  errorRate: Series[];
}

/** The over-time charts from ungrouped rows (one row per bucket). */
export function dashboardSeries(rows: MetricsRow[], from: number, to: number, bucket: MetricsBucket): DashboardSeries {
  const starts = bucketStarts(from, to, bucket);
  const s = (name: string, pick: Pick) => fillSeries(name, rows, starts, pick);
  return {
    count: [s("traces", (r) => r.count)],
    cost: [s("cost", (r) => Number(r.cost_total))],
    tokens: [s("input", (r) => r.input_tokens), s("output", (r) => r.output_tokens)],
    latency: [
      sparseSeries("p50", rows, (r) => r.latency_p50_ms),
      sparseSeries("p95", rows, (r) => r.latency_p95_ms),
      sparseSeries("p99", rows, (r) => r.latency_p99_ms),
    ],
    errorRate: [s("error rate", (r) => r.error_rate * 100)],
  };
}

export type Measure = "count" | "cost" | "tokens" | "errors";

const MEASURES: Record<Measure, (row: MetricsRow) => number> = {
  count: (r) => r.count,
  cost: (r) => Number(r.cost_total),
  tokens: (r) => r.total_tokens,
  errors: (r) => r.error_rate * r.count,
};

/** Bars per group, summed over all buckets of the range. */
export function breakdown(rows: MetricsRow[], measure: Measure, emptyLabel = "(none)"): Bar[] {
  const sums = new Map<string, number>();
  for (const row of rows) {
    const label = row.group || emptyLabel;
    sums.set(label, (sums.get(label) ?? 0) + MEASURES[measure](row));
  }
  return [...sums].map(([label, value]) => ({ label, value }));
}

export interface Totals {
  count: number;
  cost: number;
  tokens: number;
  /** Share of traces with an error, 0..1; null without traces. */
  errorRate: number | null;
}

export function totals(rows: MetricsRow[]): Totals {
  const count = rows.reduce((n, r) => n + r.count, 0);
  const errors = rows.reduce((n, r) => n + r.error_rate * r.count, 0);
  return {
    count,
    cost: rows.reduce((n, r) => n + Number(r.cost_total), 0),
    tokens: rows.reduce((n, r) => n + r.total_tokens, 0),
    errorRate: count > 0 ? errors / count : null,
  };
}
