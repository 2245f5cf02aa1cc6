import { Link, useParams, useSearchParams } from "react-router-dom";
import { trackingApi, type MlflowRun } from "../../api/tracking";
import { useAsync } from "../../lib/useAsync";
import { MetricCharts } from "./MetricCharts";
import { metricKeys } from "./metricSeries";

export function RunsCompare() {
  const { experimentId = "" } = useParams();
  const [params] = useSearchParams();
  const ids = (params.get("runs") ?? "").split(",").filter(Boolean);
  const { data, error, loading } = useAsync<MlflowRun[]>(
    () => Promise.all(ids.map(async (id) => (await trackingApi.run(id)).run)),
    [ids.join(",")],
  );
  const back = <Link to={`/experiments/${experimentId}`}>Back to the experiment</Link>;
  if (ids.length < 2) return <p className="empty">Pick two or more runs to compare on the experiment's page. {back}</p>;
  if (error) return <p role="alert" className="error">Could not load the runs: {error}. {back}</p>;
  if (loading || !data) return <p className="muted">Loading runs…</p>;
  const refs = data.map((run) => ({ runId: run.info.run_id, name: run.info.run_name || run.info.run_id }));
  const paramKeys = [...new Set(data.flatMap((r) => r.data.params.map((p) => p.key)))].sort();
  return (
    <section>
      <p className="crumbs">
        <Link to="/experiments">Experiments</Link> / <Link to={`/experiments/${experimentId}`}>Experiment {experimentId}</Link> /
      </p>
      <h1>Compare {data.length} runs</h1>
      <h2>Metrics</h2>
      <MetricCharts metrics={metricKeys(data)} runs={refs} />
      <h2>Parameters</h2>
      <table className="table compare-params">
        <thead>
          <tr>
            <th scope="col">Parameter</th>
            {refs.map((r) => (
              <th key={r.runId} scope="col">
                <Link to={`/experiments/runs/${r.runId}`}>{r.name}</Link>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {paramKeys.map((key) => {
            const values = data.map((run) => run.data.params.find((p) => p.key === key)?.value);
            const differs = new Set(values).size > 1;
            return (
              <tr key={key} className={differs ? "row-changed" : undefined}>
                <th scope="row">{key}</th>
                {values.map((value, i) => (
                  <td key={refs[i]?.runId}>{value ?? "–"}</td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
