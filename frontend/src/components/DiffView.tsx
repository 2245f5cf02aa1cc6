import type { ConfigDiff, DiffLine, Json, MessageDiffEntry, PromptDiff } from "../api/types";

const SIGN: Record<DiffLine["op"], string> = { equal: " ", removed: "-", added: "+" };

function LineTable({ lines }: { lines: DiffLine[] }) {
  if (lines.length === 0) return <p className="muted">Both versions are empty.</p>;
  return (
    <table className="diff-lines">
      <thead className="sr-only">
        <tr>
          <th>Old line</th>
          <th>New line</th>
          <th>Change</th>
          <th>Text</th>
        </tr>
      </thead>
      <tbody>
        {lines.map((line, index) => (
          <tr key={index} className={`diff-${line.op}`} data-op={line.op}>
            <td className="ln">{line.old ?? ""}</td>
            <td className="ln">{line.new ?? ""}</td>
            <td className="sign" aria-label={line.op}>
              {SIGN[line.op]}
            </td>
            <td className="text">{line.text}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function messageLabel(entry: MessageDiffEntry): string {
  if (entry.op === "changed") {
    return entry.old_role === entry.new_role ? entry.new_role : `${entry.old_role} → ${entry.new_role}`;
  }
  const m = entry.message;
  return "role" in m ? m.role : `placeholder ${m.name}`;
}

function MessageEntry({ entry }: { entry: MessageDiffEntry }) {
  return (
    <li className={`diff-msg diff-${entry.op}`} data-op={entry.op}>
      <div className="diff-msg-head">
        <span className="badge">{entry.op}</span> <strong>{messageLabel(entry)}</strong>
      </div>
      {entry.op === "changed" ? (
        <LineTable lines={entry.lines} />
      ) : "content" in entry.message ? (
        <pre className="text">{entry.message.content}</pre>
      ) : null}
    </li>
  );
}

const show = (value: Json) => JSON.stringify(value);

function ConfigChanges({ config }: { config: ConfigDiff }) {
  const rows: { key: string; op: "added" | "removed" | "changed"; text: string }[] = [];
  for (const [key, value] of Object.entries(config.added)) rows.push({ key, op: "added", text: show(value) });
  for (const [key, value] of Object.entries(config.removed)) rows.push({ key, op: "removed", text: show(value) });
  for (const [key, value] of Object.entries(config.changed)) {
    rows.push({ key, op: "changed", text: `${show(value.old)} → ${show(value.new)}` });
  }
  if (rows.length === 0) return <p className="muted">Config unchanged.</p>;
  return (
    <table className="table config-diff">
      <thead>
        <tr>
          <th>Key</th>
          <th>Change</th>
          <th>Value</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={`${row.op}:${row.key}`} className={`diff-${row.op}`}>
            <td>
              <code>{row.key}</code>
            </td>
            <td>{row.op}</td>
            <td>
              <code>{row.text}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The server's diff of two versions (llmops/prompts/diffs.py), unified. */
export function DiffView({ diff }: { diff: PromptDiff }) {
  const { template } = diff;
  let added = 0;
  let removed = 0;
  const count = (lines: DiffLine[]) => {
    for (const l of lines) {
      if (l.op === "added") added += 1;
      if (l.op === "removed") removed += 1;
    }
  };
  if (template.type === "text") count(template.lines);
  else for (const m of template.messages) if (m.op === "changed") count(m.lines);
  return (
    <section className="diff" aria-label={`Diff of version ${diff.base} and version ${diff.target}`}>
      <h3>
        v{diff.base} → v{diff.target}{" "}
        {template.type === "text" && (
          <span className="muted">
            (<span className="pos">+{added}</span> <span className="neg">−{removed}</span>)
          </span>
        )}
      </h3>
      <h4>Template</h4>
      {template.type === "text" ? (
        <LineTable lines={template.lines} />
      ) : (
        <ol className="diff-messages">
          {template.messages.map((entry, index) => (
            <MessageEntry key={index} entry={entry} />
          ))}
        </ol>
      )}
      <h4>Config</h4>
      <ConfigChanges config={diff.config} />
    </section>
  );
}
