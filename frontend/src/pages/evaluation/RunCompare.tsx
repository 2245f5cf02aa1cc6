import { Link, useParams } from "react-router-dom";
import { evaluationApi } from "../../api/evaluation";
import type { CompareItem, CompareSide, EvaluatorMeans, Json, RunComparison } from "../../api/types";
import { formatNumber } from "../../lib/format";
import { useAsync } from "../../lib/useAsync";

export function deltaClass(delta: number | null | undefined): string {
  if (delta === null || delta === undefined) return "delta-none";
  if (delta < 0) return "neg";
  if (delta > 0) return "pos";
  return "delta-zero";
}

function signed(delta: number | null | undefined): string {
  if (delta === null || delta === undefined) return "–";
  return delta > 0 ? `+${formatNumber(delta)}` : formatNumber(delta);
}

function score(side: CompareSide | null, name: string): string {
  const verdict = side?.verdicts[name];
  if (!verdict) return "–";
  if (verdict.error) return "error";
  const s = verdict.score;
  return typeof s === "number" ? formatNumber(s) : "–";
}

function short(value: Json): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

function output(side: CompareSide | null) {
  if (!side) return "–";
  if (side.error) return <span className="neg">error: {side.error}</span>;
  return short(side.output);
}

function means(summary: RunComparison["summary"], name: string): EvaluatorMeans | null {
  const value = summary[name];
  return value && typeof value === "object" ? value : null;
}

export function ComparisonView({ comparison }: { comparison: RunComparison }) {
  const { evaluators, items, summary } = comparison;
  return (
    <>
      <table className="table summary">
        <thead>
          <tr>
            <th>Evaluator</th>
            <th className="num">Base mean</th>
            <th className="num">Target mean</th>
            <th className="num">Change</th>
          </tr>
        </thead>
        <tbody>
          {evaluators.map((name) => {
            const m = means(summary, name);
            const delta = m && m.base_mean !== null && m.target_mean !== null ? m.target_mean - m.base_mean : null;
            return (
              <tr key={name}>
                <td>{name}</td>
                <td className="num">{formatNumber(m?.base_mean)}</td>
                <td className="num">{formatNumber(m?.target_mean)}</td>
                <td className={`num ${deltaClass(delta)}`}>{signed(delta)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p>
        <strong className={summary.regressed_items > 0 ? "neg" : "pos"}>{summary.regressed_items}</strong> regressed of {items.length} items.
      </p>
      <table className="table compare">
        <thead>
          <tr>
            <th>Item</th>
            <th>Input</th>
            {evaluators.map((n) => (
              <th key={n} className="num">{n}<div className="small muted">base → target (Δ)</div></th>
            ))}
            <th>Base output</th>
            <th>Target output</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item: CompareItem) => (
            <tr key={item.item_key} className={item.regression ? "row-regression" : item.changed ? "row-changed" : undefined} data-regression={item.regression}>
              <td>
                <code>{item.item_key}</code>
                {item.regression && <span className="badge neg-bg">regression</span>}
                {!item.regression && item.changed && <span className="badge">changed</span>}
              </td>
              <td className="small">{short(item.input)}</td>
              {evaluators.map((n) => (
                <td key={n} className="num">
                  {score(item.base, n)} → {score(item.target, n)}{" "}
                  <span className={deltaClass(item.deltas[n])}>({signed(item.deltas[n])})</span>
                </td>
              ))}
              <td className="small">{output(item.base)}</td>
              <td className="small">{output(item.target)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function RunCompare() {
  const { a = "", b = "" } = useParams();
  const { data, error, loading } = useAsync(() => evaluationApi.compareRuns(a, b), [a, b]);
  return (
    <>
      <p className="crumbs"><Link to="/evaluations">Runs</Link> / compare</p>
      <h1>Run comparison</h1>
      <p className="muted small">
        Base <Link to={`/evaluations/runs/${a}`}><code>{a}</code></Link> → target <Link to={`/evaluations/runs/${b}`}><code>{b}</code></Link>
      </p>
      {loading && <p>Loading…</p>}
      {error && <p role="alert" className="error">{error}</p>}
      {data && <ComparisonView comparison={data} />}
    </>
  );
}
