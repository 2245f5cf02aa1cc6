import { Link } from "react-router-dom";
import type { Run } from "../../api/types";
import { formatTime } from "../../lib/format";
import { StatusBadge } from "./RunProgress";

/** Runs as rows; with `picked`/`onPick`, a checkbox a row to choose runs to compare. */
export function RunsTable({ runs, showSuite = true, picked, onPick }: { runs: Run[]; showSuite?: boolean; picked?: string[]; onPick?: (id: string) => void }) {
  return (
    <table className="table runs">
      <thead>
        <tr>
          {onPick && <th>Pick</th>}
          <th>Run</th>
          {showSuite && <th>Suite</th>}
          <th>Status</th>
          <th>Prompt version</th>
          <th className="num">Items</th>
          <th>Trigger</th>
          <th>Created</th>
          <th>Baseline</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id}>
            {onPick && (
              <td>
                <input type="checkbox" aria-label={`Pick run ${r.id}`} checked={picked?.includes(r.id) ?? false} onChange={() => onPick(r.id)} />
              </td>
            )}
            <td>
              <Link to={`/evaluations/runs/${r.id}`}>
                <code>{r.id.slice(0, 8)}</code>
              </Link>
            </td>
            {showSuite && (
              <td>
                <Link to={`/evaluations/suites/${encodeURIComponent(r.suite)}`}>{r.suite}</Link>
              </td>
            )}
            <td>
              <StatusBadge status={r.status} />
            </td>
            <td>{r.prompt_version ? `${r.prompt_version.prompt} v${r.prompt_version.version}` : "–"}</td>
            <td className="num">
              {r.progress.done}/{r.progress.total}
            </td>
            <td>{r.trigger}</td>
            <td>{formatTime(r.created_at)}</td>
            <td>{r.baseline_run ? <Link to={`/evaluations/compare/${r.baseline_run}/${r.id}`}>compare to baseline</Link> : "–"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
