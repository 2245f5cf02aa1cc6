import { useState } from "react";
import { useNavigate, useSearchParams } from "react-router-dom";
import { evaluationApi } from "../../api/evaluation";
import { RunsTable } from "./RunsTable";
import { usePaged } from "../../lib/usePaged";
import { Alert } from "../../components/FormErrors";

const STATUSES = ["queued", "running", "passed", "failed", "errored", "cancelled"];

/** Runs, newest first, filtered by suite and status in the URL; pick two to compare. */
export function Evaluations() {
  const [params, setParams] = useSearchParams();
  const suite = params.get("suite") ?? "";
  const status = params.get("status") ?? "";
  const runs = usePaged((cursor) => evaluationApi.runs({ suite, status, cursor, limit: 50 }), [suite, status]);
  const [picked, setPicked] = useState<string[]>([]);
  const navigate = useNavigate();

  function toggle(id: string) {
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].slice(-2)));
  }

  function setFilter(key: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
  }

  return (
    <>
      <h1>Evaluation runs</h1>
      <div className="filters">
        <label>
          Suite
          <input value={suite} onChange={(e) => setFilter("suite", e.target.value.trim())} placeholder="any suite" />
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => setFilter("status", e.target.value)}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <div className="filter-actions">
          <button
            type="button"
            className="primary"
            disabled={picked.length !== 2}
            onClick={() => navigate(`/evaluations/compare/${picked[0]}/${picked[1]}`)}
          >
            Compare selected
          </button>
          <span className="muted small">Pick two runs (baseline first) to compare them item by item.</span>
        </div>
      </div>
      <Alert message={runs.error} />
      {!runs.loading && !runs.error && runs.items.length === 0 && (
        <p className="empty">
          {suite || status ? "No runs match these filters." : "No runs yet. Open a suite and press “Run now”, or POST /api/v1/runs {\"suite\": …} from CI."}
        </p>
      )}
      {runs.items.length > 0 && (
        <RunsTable runs={runs.items} picked={picked} onPick={toggle} />
      )}
      {runs.next && (
        <button type="button" onClick={() => void runs.loadMore()} disabled={runs.loading}>
          Load more
        </button>
      )}
    </>
  );
}
