import type { Score } from "../../api/types";
import { formatNumber, formatTime } from "../../lib/format";

/** Scores of a trace or a span: name, value (number or label), where it came from, why. */
export function ScoreTable({ scores }: { scores: Score[] }) {
  return (
    <table className="table score-table">
      <thead>
        <tr>
          <th scope="col">Score</th>
          <th scope="col">Value</th>
          <th scope="col">Source</th>
          <th scope="col">Comment</th>
          <th scope="col">When</th>
        </tr>
      </thead>
      <tbody>
        {scores.map((s) => (
          <tr key={s.id}>
            <th scope="row">{s.name}</th>
            <td>{s.value !== null ? formatNumber(s.value) : s.string_value}</td>
            <td>
              {s.source}
              {s.author && <span className="muted"> · {s.author}</span>}
            </td>
            <td>{s.comment}</td>
            <td className="nowrap">{formatTime(s.created_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
