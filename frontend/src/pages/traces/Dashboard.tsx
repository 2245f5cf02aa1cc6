import { Link, useSearchParams } from "react-router-dom";
import { tracesApi, type MetricsBucket, type MetricsGroupBy, type MetricsSource } from "../../api/traces";
import { BarChart } from "../../components/charts/BarChart";
import { LineChart } from "../../components/charts/LineChart";
import { formatCost, formatMs } from "../../lib/format";
import { useAsync } from "../../lib/useAsync";
import { breakdown, DASHBOARD_RANGES, dashboardSeries, totals, type DashboardRange } from "./metricsSeries";
import "../../styles/traces.css";

function isRange(value: string | null): value is DashboardRange {
  return value !== null && value in DASHBOARD_RANGES;
}

async function loadMetrics(range: DashboardRange) {
  const { ms, bucket } = DASHBOARD_RANGES[range];
  // The range ends at the end of the current hour: on whole hours, the server answers the call
  // breakdowns from its hourly rollups instead of reading every span of the range.
  const to = Math.ceil(Date.now() / HOUR_MS) * HOUR_MS;
  const from = to - ms;
  const query = (group_by: MetricsGroupBy, b: MetricsBucket) =>
    tracesApi.metrics({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), bucket: b, group_by });
  // Breakdowns are summed over the whole range, so the coarsest bucket keeps them small.
  const [overall, byModel, byPrompt, byUser] = await Promise.all([
    query("none", bucket),
    query("model", "day"),
    query("prompt_version", "day"),
    query("user", "day"),
  ]);
  return { from, to, bucket, overall, byModel, byPrompt, byUser };
}

const HOUR_MS = 3_600_000;

const SOURCE_NOTE: Record<MetricsSource, string> = {
  rollups: "from hourly rollups, latency percentiles within 1%",
  spans: "from the spans",
  traces: "from the traces",
};

const usd = (v: number) => formatCost(String(v));
// Axis ticks of small counts fall between integers; keep them distinct instead of rounding.
const count = (v: number) => String(Number(v.toPrecision(3)));

export function Dashboard() {
  const [params, setParams] = useSearchParams();
  const raw = params.get("range");
  const range: DashboardRange = isRange(raw) ? raw : "24h";
  const { data, error, loading } = useAsync(() => loadMetrics(range), [range]);
  const bucket = data?.bucket ?? "hour";
  const formatX = (x: number) =>
    new Date(x).toLocaleString(undefined, bucket === "day" ? { month: "short", day: "numeric" } : range === "24h" ? { hour: "2-digit", minute: "2-digit" } : { month: "short", day: "numeric", hour: "2-digit" });
  const sum = data ? totals(data.overall.rows) : null;
  const series = data ? dashboardSeries(data.overall.rows, data.from, data.to, data.bucket) : null;

  return (
    <>
      <div className="dashboard-head">
        <h1>Dashboard</h1>
        <div className="range-picker" role="group" aria-label="Time range">
          {(Object.keys(DASHBOARD_RANGES) as DashboardRange[]).map((key) => (
            <button
              key={key}
              type="button"
              aria-pressed={key === range}
              className={key === range ? "primary" : undefined}
              onClick={() => setParams({ range: key })}
            >
              {DASHBOARD_RANGES[key].label}
            </button>
          ))}
        </div>
      </div>
      {loading && <p>Loading…</p>}
      {error && (
        <p role="alert" className="error">
          Could not load metrics: {error}
        </p>
      )}
      {data && sum && series && sum.count === 0 && (
        <p className="empty">
          No traces in the {DASHBOARD_RANGES[range].label.toLowerCase()}. Send traces with the SDK or OpenTelemetry (OTLP to /v1/traces), or
          pick a longer range. The <Link to="/traces">trace list</Link> shows older traces.
        </p>
      )}
      {data && sum && series && sum.count > 0 && (
        <>
          <dl className="tiles" aria-label="Totals">
            <div>
              <dt>Traces</dt>
              <dd>
                <Link to={`/traces?range=${range}`} title="Open these traces">
                  {sum.count}
                </Link>
              </dd>
            </div>
            <div>
              <dt>Cost</dt>
              <dd>{usd(sum.cost)}</dd>
            </div>
            <div>
              <dt>Tokens</dt>
              <dd>{sum.tokens}</dd>
            </div>
            <div>
              <dt>Error rate</dt>
              <dd>
                <Link to={`/traces?range=${range}&has_error=true`} title="Open the traces with errors">
                  {sum.errorRate === null ? "–" : `${(sum.errorRate * 100).toFixed(1)}%`}
                </Link>
              </dd>
            </div>
          </dl>
          <section aria-label="Over time" className="chart-grid">
            <LineChart title="Cost (USD)" series={series.cost} formatX={formatX} formatY={usd} zeroBased />
            <LineChart title="Tokens" series={series.tokens} formatX={formatX} formatY={count} zeroBased />
            <LineChart title="Latency percentiles (ms)" series={series.latency} formatX={formatX} formatY={(v) => formatMs(v)} zeroBased />
            <LineChart title="Error rate (%)" series={series.errorRate} formatX={formatX} formatY={(v) => `${Number(v.toFixed(1))}%`} zeroBased />
            <LineChart title="Traces" series={series.count} formatX={formatX} formatY={count} zeroBased />
          </section>
          <h2>Breakdowns</h2>
          <p className="muted small">
            Model and prompt version breakdowns count LLM calls ({SOURCE_NOTE[data.byModel.source]}); the user breakdown counts traces.
          </p>
          <section aria-label="By model" className="chart-grid">
            <BarChart title="Cost by model" bars={breakdown(data.byModel.rows, "cost", "(unknown model)")} format={usd} />
            <BarChart title="Tokens by model" bars={breakdown(data.byModel.rows, "tokens", "(unknown model)")} format={count} />
            <BarChart title="LLM calls by model" bars={breakdown(data.byModel.rows, "count", "(unknown model)")} format={count} />
          </section>
          <section aria-label="By prompt version" className="chart-grid">
            <BarChart title="Cost by prompt version" bars={breakdown(data.byPrompt.rows, "cost")} format={usd} />
            <BarChart title="LLM calls by prompt version" bars={breakdown(data.byPrompt.rows, "count")} format={count} />
          </section>
          <section aria-label="By user" className="chart-grid">
            <BarChart title="Cost by user" bars={breakdown(data.byUser.rows, "cost", "(anonymous)")} format={usd} />
            <BarChart title="Traces by user" bars={breakdown(data.byUser.rows, "count", "(anonymous)")} format={count} />
          </section>
        </>
      )}
    </>
  );
}
