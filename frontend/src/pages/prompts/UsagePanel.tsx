import type { UsageRow } from "../../api/prompts";
import { BarChart } from "../../components/charts/BarChart";
import { formatCost, formatMs, formatNumber } from "../../lib/format";

/** Per version: the traces that ran it, with tokens, cost, latency, errors and score means. */
export function UsagePanel({ rows }: { rows: UsageRow[] }) {
  if (rows.length === 0) {
    return (
      <p className="empty">
        No traces ran this prompt yet. Link your LLM calls to a version with the SDK (fetch the prompt and <code>compile()</code> it
        before the call), or run a version in the Playground.
      </p>
    );
  }
  return (
    <>
      <table className="table">
        <thead>
          <tr>
            <th>Version</th>
            <th className="num">Traces</th>
            <th className="num">Calls</th>
            <th className="num">Tokens</th>
            <th className="num">Cost</th>
            <th className="num">Mean latency</th>
            <th className="num">Errors</th>
            <th>Scores (mean, n)</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.version}>
              <td>v{r.version}</td>
              <td className="num">{r.traces}</td>
              <td className="num">{r.calls}</td>
              <td className="num">{r.total_tokens}</td>
              <td className="num">{formatCost(r.cost_total)}</td>
              <td className="num">{formatMs(r.mean_latency_ms)}</td>
              <td className="num">{(r.error_rate * 100).toFixed(1)}%</td>
              <td>
                {Object.keys(r.scores).length === 0 ? (
                  <span className="muted">–</span>
                ) : (
                  Object.entries(r.scores).map(([score, s]) => (
                    <span key={score} className="tag">
                      {score}: {formatNumber(s.mean)} ({s.count})
                    </span>
                  ))
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > 1 && (
        <div className="usage-charts">
          <BarChart title="Traces per version" bars={rows.map((r) => ({ label: `v${r.version}`, value: r.traces }))} />
          <BarChart
            title="Mean latency per version"
            bars={rows.map((r) => ({ label: `v${r.version}`, value: r.mean_latency_ms ?? 0 }))}
            format={formatMs}
          />
        </div>
      )}
    </>
  );
}
