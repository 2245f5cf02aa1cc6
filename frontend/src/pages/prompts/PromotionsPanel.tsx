import { Link } from "react-router-dom";
import type { Promotion } from "../../api/prompts";
import { formatTime } from "../../lib/format";

/** The latest attempts to promote a version onto a protected label, with their verdicts. */
export function PromotionsPanel({ promotions }: { promotions: Promotion[] }) {
  if (promotions.length === 0) return null;
  return (
    <table className="table">
      <caption className="caption">Recent promotions through a release gate</caption>
      <thead>
        <tr>
          <th>When</th>
          <th>Version → label</th>
          <th>Verdict</th>
          <th>Runs</th>
          <th>By</th>
        </tr>
      </thead>
      <tbody>
        {promotions.map((p) => (
          <tr key={p.id}>
            <td>{formatTime(p.created_at)}</td>
            <td>
              v{p.version} → <span className="tag label">{p.label}</span>
            </td>
            <td className={`status-${p.status === "passed" ? "ok" : p.status === "pending" ? "" : "failed"}`}>
              {p.status}
              {p.reason && <span className="muted small"> · {p.reason}</span>}
            </td>
            <td>
              {p.runs.map((run) => (
                <Link key={run.id} to={`/evaluations/runs/${run.id}`} className="run-link">
                  {run.suite} ({run.progress.done}/{run.progress.total})
                </Link>
              ))}
            </td>
            <td>{p.requested_by}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
