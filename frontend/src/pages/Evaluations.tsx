import { useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api } from "../api/client";
import type { Run } from "../api/types";
import { formatTime } from "../lib/format";
import { useAsync } from "../lib/useAsync";

export function Evaluations() {
  const { data, error, loading } = useAsync(() => api.runs(), []);
  const [extra, setExtra] = useState<Run[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [picked, setPicked] = useState<string[]>([]);
  const navigate = useNavigate();
  const runs = [...(data?.items ?? []), ...extra];
  const next = cursor === undefined ? data?.next_cursor ?? null : cursor;

  async function more() {
    if (!next) return;
    const page = await api.runs(next);
    setExtra((e) => [...e, ...page.items]);
    setCursor(page.next_cursor);
  }

  function toggle(id: string) {
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].slice(-2)));
  }

  return (
    <>
      <h1>Evaluation runs</h1>
      <p className="muted">Pick two runs (baseline first) to compare them item by item.</p>
      {loading && <p>Loading…</p>}
      {error && <p role="alert" className="error">{error}</p>}
      {data && runs.length === 0 && <p className="empty">No runs yet. Start one with POST /api/v1/runs {"{suite}"} or the CLI.</p>}
      {runs.length > 0 && (
        <>
          <button type="button" className="primary" disabled={picked.length !== 2} onClick={() => navigate(`/evaluations/compare/${picked[0]}/${picked[1]}`)}>
            Compare selected
          </button>
          <table className="table">
            <thead>
              <tr>
                <th>Pick</th>
                <th>Suite</th>
                <th>Status</th>
                <th>Prompt</th>
                <th>Progress</th>
                <th>Created</th>
                <th>Baseline</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.id}>
                  <td>
                    <input type="checkbox" aria-label={`Pick run ${r.id}`} checked={picked.includes(r.id)} onChange={() => toggle(r.id)} />
                  </td>
                  <td>{r.suite}</td>
                  <td><span className={`status status-${r.status}`}>{r.status}</span></td>
                  <td>{r.prompt_version ? `${r.prompt_version.prompt} v${r.prompt_version.version}` : "–"}</td>
                  <td>{r.progress.done}/{r.progress.total}</td>
                  <td>{formatTime(r.created_at)}</td>
                  <td>{r.baseline_run ? <Link to={`/evaluations/compare/${r.baseline_run}/${r.id}`}>compare to baseline</Link> : "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {next && <button type="button" onClick={() => void more()}>Load more</button>}
        </>
      )}
    </>
  );
}
