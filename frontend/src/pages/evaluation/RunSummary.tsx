import { evaluatorSummaries, thresholdOutcomes } from "../../api/evaluation";
import type { Run } from "../../api/types";
import { formatNumber } from "../../lib/format";

function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : `${Math.round(value * 1000) / 10}%`;
}

/** Each evaluator's aggregate, and each threshold with the value it was held to. */
export function RunSummary({ run }: { run: Run }) {
  const summaries = Object.entries(evaluatorSummaries(run));
  const outcomes = thresholdOutcomes(run);
  if (summaries.length === 0) {
    return <p className="muted">The summary appears when every item is done.</p>;
  }
  return (
    <>
      <table className="table summary">
        <caption className="sr-only">Evaluators</caption>
        <thead>
          <tr>
            <th>Evaluator</th>
            <th className="num">Items</th>
            <th className="num">Scored</th>
            <th className="num">Errored</th>
            <th className="num">Mean</th>
            <th className="num">Pass rate</th>
            <th>Thresholds</th>
          </tr>
        </thead>
        <tbody>
          {summaries.map(([name, s]) => {
            const mine = outcomes.filter((o) => o.evaluator === name);
            return (
              <tr key={name}>
                <td>{name}</td>
                <td className="num">{s.count}</td>
                <td className="num">{s.scored}</td>
                <td className={`num ${s.errored > 0 ? "neg" : ""}`}>{s.errored}</td>
                <td className="num">{formatNumber(s.mean)}</td>
                <td className="num">{percent(s.pass_rate)}</td>
                <td>
                  {mine.length === 0 && <span className="muted">none</span>}
                  {mine.map((o) => (
                    <div key={o.kind} className={o.passed ? "threshold-pass" : "threshold-fail"}>
                      <span className={`badge ${o.passed ? "pos-bg" : "neg-bg"}`}>{o.passed ? "passed" : "failed"}</span>{" "}
                      {o.description}: actual {formatNumber(o.actual)}
                      {o.baseline !== null && <span className="muted"> (baseline {formatNumber(o.baseline)})</span>}
                      {/* The message repeats the numbers shown above unless there were none to show. */}
                      {o.message && (o.actual === null || (o.kind === "max_regression" && o.baseline === null)) && (
                        <div className="small muted">{o.message}</div>
                      )}
                    </div>
                  ))}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
