import { useState } from "react";
import { promptsApi, type Gate, type LabelHistory, type PromptLabel } from "../../api/prompts";
import { formatTime } from "../../lib/format";
import { errorMessage } from "../../lib/errors";

function History({ name, label }: { name: string; label: string }) {
  const [history, setHistory] = useState<LabelHistory | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);

  function toggle() {
    setOpen((o) => !o);
    if (!history) {
      promptsApi.labelHistory(name, label).then(setHistory, (e: unknown) => setError(errorMessage(e)));
    }
  }

  return (
    <>
      <button type="button" aria-expanded={open} aria-controls={`history-${label}`} onClick={toggle}>
        History
      </button>
      {open && (
        <div id={`history-${label}`} className="label-history">
          {error && <p role="alert" className="error">{error}</p>}
          {!history && !error && <p className="muted">Loading…</p>}
          {history && history.moves.length === 0 && <p className="muted">No moves recorded.</p>}
          {history && history.moves.length > 0 && (
            <ol aria-label={`History of ${label}`}>
              {history.moves.map((m, i) => (
                <li key={i}>
                  {m.from_version === null ? "set to" : `v${m.from_version} →`} <strong>v{m.to_version}</strong> by {m.moved_by || "unknown"},{" "}
                  {formatTime(m.moved_at)}
                  {m.reason && <span className="muted"> — {m.reason}</span>}
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </>
  );
}

/** The prompt's labels: where each points, protection and gate suites, and each one's moves. */
export function LabelsPanel({ name, labels, gates }: { name: string; labels: PromptLabel[]; gates: Gate[] }) {
  if (labels.length === 0) {
    return <p className="empty">No labels yet. Promote a version (below a version's text) to point a label such as “production” at it.</p>;
  }
  return (
    <table className="table">
      <thead>
        <tr>
          <th>Label</th>
          <th>Version</th>
          <th>Protection</th>
          <th>Updated</th>
          <th>Moves</th>
        </tr>
      </thead>
      <tbody>
        {labels.map((l) => {
          const suites = gates.find((g) => g.label === l.name)?.suites ?? [];
          return (
            <tr key={l.name}>
              <td>
                <span className="tag label">{l.name}</span>
              </td>
              <td>v{l.version}</td>
              <td>
                {l.protected ? (
                  <>
                    <span className="badge protected-badge">protected</span>{suites.length > 0 && <span className="muted small"> · gate: {suites.join(", ")}</span>}
                  </>
                ) : (
                  <span className="muted">moves freely</span>
                )}
              </td>
              <td>{formatTime(l.updated_at)}</td>
              <td>
                <History name={name} label={l.name} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
