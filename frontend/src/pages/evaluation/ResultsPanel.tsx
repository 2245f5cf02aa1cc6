import { useState } from "react";
import { Link } from "react-router-dom";
import { evaluationApi, type RunResult, type Verdict } from "../../api/evaluation";
import type { Json } from "../../api/types";
import { formatMs, formatNumber } from "../../lib/format";
import { usePaged } from "../../lib/usePaged";
import { Alert } from "../../components/FormErrors";

export const RESULTS_PAGE = 50;

export function resultFailed(result: RunResult): boolean {
  return Boolean(result.error) || Object.values(result.verdicts).some((v) => Boolean(v?.error) || v?.passed === false);
}

/** A value in a table cell: compact on one line, the whole of a long one (indented) on demand. */
export function Preview({ value }: { value: Json }) {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (text === undefined || text === "null") return <span className="muted">–</span>;
  if (text.length <= 200) return <span className="cell-text">{text}</span>;
  return (
    <details>
      <summary className="cell-text">{text.slice(0, 200)}…</summary>
      <pre className="json">{typeof value === "string" ? value : JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}

export function VerdictCell({ verdict }: { verdict: Verdict | undefined }) {
  if (!verdict) return <span className="muted">–</span>;
  if (verdict.error) {
    return (
      <div className="verdict verdict-error">
        <span className="badge neg-bg">error</span>
        <div className="small">{verdict.error}</div>
      </div>
    );
  }
  const passed = verdict.passed;
  return (
    <div className={`verdict ${passed === false ? "verdict-fail" : passed ? "verdict-pass" : ""}`}>
      {passed === true && <span className="badge pos-bg">pass</span>}
      {passed === false && <span className="badge neg-bg">fail</span>}
      {typeof verdict.score === "number" && <span className="verdict-score">score {formatNumber(verdict.score)}</span>}
      {verdict.label && <span className="muted small"> label {verdict.label}</span>}
      {verdict.reason && <div className="small verdict-reason">{verdict.reason}</div>}
    </div>
  );
}

/** Per-item results of a run, a page at a time; "failed only" asks the server for failed items. */
export function ResultsPanel({ runId, evaluators, refreshKey }: { runId: string; evaluators: string[]; refreshKey?: string | number }) {
  const [failedOnly, setFailedOnly] = useState(false);
  const results = usePaged(
    (cursor) => evaluationApi.results(runId, { failed: failedOnly ? true : undefined, cursor, limit: RESULTS_PAGE }),
    [runId, failedOnly, refreshKey],
  );
  const names = evaluators.length > 0 ? evaluators : [...new Set(results.items.flatMap((r) => Object.keys(r.verdicts)))];
  return (
    <section className="block" aria-labelledby="results-heading">
      <div className="toolbar">
        <h2 id="results-heading">Items</h2>
        <label className="inline-check">
          <input type="checkbox" checked={failedOnly} onChange={(e) => setFailedOnly(e.target.checked)} /> Failed only
        </label>
        <span className="muted small">{results.items.length} shown</span>
      </div>
      <Alert message={results.error} />
      {!results.loading && !results.error && results.items.length === 0 && !results.next && (
        <p className="empty">{failedOnly ? "No failed items." : "No results yet: items appear here as the workers finish them."}</p>
      )}
      {results.items.length > 0 && (
        <table className="table results">
          <thead>
            <tr>
              <th>Item</th>
              <th>Input</th>
              <th>Expected</th>
              <th>Output</th>
              {names.map((n) => (
                <th key={n}>{n}</th>
              ))}
              <th className="num">Latency</th>
            </tr>
          </thead>
          <tbody>
            {results.items.map((r) => {
              const failed = resultFailed(r);
              return (
                <tr key={r.item_key} className={failed ? "row-failed" : undefined} data-failed={failed}>
                  <td>
                    <code>{r.item_key}</code>
                    {failed && <span className="badge neg-bg">failed</span>}
                    {r.trace_id && (
                      <div className="small">
                        <Link to={`/traces/${r.trace_id}`} aria-label={`Trace of item ${r.item_key}`}>
                          trace
                        </Link>
                      </div>
                    )}
                  </td>
                  <td>
                    <Preview value={r.input} />
                  </td>
                  <td>
                    <Preview value={r.expected} />
                  </td>
                  <td>
                    {r.error ? <span className="neg">error: {r.error}</span> : <Preview value={r.output} />}
                  </td>
                  {names.map((n) => (
                    <td key={n}>
                      <VerdictCell verdict={r.verdicts[n]} />
                    </td>
                  ))}
                  <td className="num small">
                    {formatMs(r.latency_ms)}
                    {r.total_tokens > 0 && <div className="muted">{r.total_tokens} tok</div>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {results.next && (
        <button type="button" onClick={() => void results.loadMore()} disabled={results.loading}>
          Load more items
        </button>
      )}
    </section>
  );
}
