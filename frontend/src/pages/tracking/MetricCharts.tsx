import { LineChart, type Series } from "../../components/charts/LineChart";
import { fullMetricHistory } from "../../api/tracking";
import { useAsync } from "../../lib/useAsync";
import { historyToSeries } from "./metricSeries";

export interface RunRef {
  runId: string;
  name: string;
}

/** One metric over steps, one line per run (a single run: one line). */
export function MetricChart({ metric, runs }: { metric: string; runs: RunRef[] }) {
  const key = runs.map((r) => r.runId).join(",");
  const { data, error, loading } = useAsync<Series[]>(
    () =>
      Promise.all(
        runs.map(async (run) => historyToSeries(run.name, await fullMetricHistory(run.runId, metric))),
      ),
    [metric, key],
  );
  if (error) return <p role="alert" className="error">Could not load the history of {metric}: {error}</p>;
  if (loading || !data) return <p className="muted">Loading {metric}…</p>;
  return (
    <div className="metric-chart" data-metric={metric}>
      <LineChart title={metric} series={data} formatX={(step) => `step ${step}`} />
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
