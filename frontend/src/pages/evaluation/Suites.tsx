import { useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { evaluationApi } from "../../api/evaluation";
import { formatTime } from "../../lib/format";
import { useAsync } from "../../lib/useAsync";
import { SuiteForm } from "./SuiteForm";
import { Alert } from "../../components/FormErrors";

export function targetText(target: Record<string, unknown>): string {
  if (target.type === "prompt") return `prompt ${String(target.prompt)} · ${String(target.model)} via ${String(target.connection)}`;
  return "outputs sent by the client";
}

export function Suites() {
  const { data, error, loading } = useAsync(() => evaluationApi.suites(), []);
  const [creating, setCreating] = useState(false);
  const navigate = useNavigate();
  return (
    <>
      <div className="toolbar">
        <h1>Suites</h1>
        <button type="button" className="primary" onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
          New suite
        </button>
      </div>
      {creating && <SuiteForm initial={null} onSaved={(s) => navigate(`/evaluations/suites/${encodeURIComponent(s.name)}`)} />}
      {loading && <p>Loading…</p>}
      <Alert message={error} />
      {data && data.length === 0 && (
        <p className="empty">No suites yet. A suite runs a dataset through a prompt and evaluators: press “New suite” or POST /api/v1/suites.</p>
      )}
      {data && data.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Dataset</th>
              <th>Target</th>
              <th className="num">Evaluators</th>
              <th>Baseline label</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {data.map((s) => (
              <tr key={s.name}>
                <td>
                  <Link to={`/evaluations/suites/${encodeURIComponent(s.name)}`}>{s.name}</Link>
                </td>
                <td>
                  <Link to={`/evaluations/datasets/${encodeURIComponent(s.dataset)}`}>{s.dataset}</Link>
                </td>
                <td>{targetText(s.target)}</td>
                <td className="num">{Array.isArray(s.evaluators) ? s.evaluators.length : "–"}</td>
                <td>{s.baseline_label}</td>
                <td>{formatTime(s.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
