import { LineChart, type Series } from "../../components/charts/LineChart";
import { fullMetricHistory } from "../../api/tracking";
import { useAsync } from "../../lib/useAsync";
import { downsample, historyToSeries } from "./metricSeries";

const MAX_POINTS = 1000;

export interface RunRef {
  runId: string;
  name: string;
}

/** One metric over steps, one line per run (a single run: one line). */
export function MetricChart({ metric, runs }: { metric: string; runs: RunRef[] }) {
  const key = runs.map((r) => r.runId).join(",");
  const { data, error, loading } = useAsync<{ series: Series[]; thinned: boolean }>(async () => {
    const full = await Promise.all(
      runs.map(async (run) => historyToSeries(run.name, await fullMetricHistory(run.runId, metric))),
    );
    return {
      series: full.map((s) => downsample(s, MAX_POINTS)),
      thinned: full.some((s) => s.points.length > MAX_POINTS),
    };
  }, [metric, key]);
  if (error) return <p role="alert" className="error">Could not load the history of {metric}: {error}</p>;
  if (loading || !data) return <p className="muted">Loading {metric}…</p>;
  return (
    <div className="metric-chart" data-metric={metric}>
      <LineChart title={metric} series={data.series} formatX={(step) => `step ${step}`} />
      {data.thinned && (
        <p className="muted small">Long history: each stretch of steps shows its lowest and highest value.</p>
      )}
    </div>
  );
}

export function MetricCharts({ metrics, runs }: { metrics: string[]; runs: RunRef[] }) {
  if (metrics.length === 0) return <p className="empty">No metrics logged. Log some with mlflow.log_metric(key, value, step=...).</p>;
  return (
    <div className="metric-grid">
      {metrics.map((metric) => (
        <MetricChart key={metric} metric={metric} runs={runs} />
      ))}
    </div>
  );
}
