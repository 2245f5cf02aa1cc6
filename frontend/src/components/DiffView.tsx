import { createContext, useContext, useState } from "react";
import type { ConfigDiff, DiffLine, Json, MessageDiffEntry, PromptDiff } from "../api/types";

const SIGN: Record<DiffLine["op"], string> = { equal: " ", removed: "-", added: "+" };

type Layout = "split" | "unified";
const LayoutContext = createContext<Layout>("split");

interface SplitRow {
  old: DiffLine | null;
  new: DiffLine | null;
}

/** Pairs each run of removed lines with the added lines that follow it, so a changed line sits
 * beside its replacement; unmatched lines face an empty cell. */
export function splitRows(lines: DiffLine[]): SplitRow[] {
  const rows: SplitRow[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index] as DiffLine;
    if (line.op === "equal") {
      rows.push({ old: line, new: line });
      index += 1;
      continue;
    }
    const removed: DiffLine[] = [];
    const added: DiffLine[] = [];
    while (index < lines.length && (lines[index] as DiffLine).op === "removed") removed.push(lines[index++] as DiffLine);
    while (index < lines.length && (lines[index] as DiffLine).op === "added") added.push(lines[index++] as DiffLine);
    for (let i = 0; i < Math.max(removed.length, added.length); i += 1) {
      rows.push({ old: removed[i] ?? null, new: added[i] ?? null });
    }
  }
  return rows;
}

function SideCells({ line, side }: { line: DiffLine | null; side: "old" | "new" }) {
  if (!line) return <td className="ln" />;
  return (
    <>
      <td className="ln">{line[side] ?? ""}</td>
      <td className={`text diff-${line.op}`} data-op={line.op}>
        <span className="sr-only">{line.op === "equal" ? "" : `${line.op}: `}</span>
        {line.text}
      </td>
    </>
  );
}

/** Column names for screen readers; the layout speaks for itself on screen. */
function HiddenHead({ columns }: { columns: string[] }) {
  return (
    <thead className="sr-only">
      <tr>
        {columns.map((c) => (
          <th key={c}>{c}</th>
        ))}
      </tr>
    </thead>
  );
}

function SplitTable({ lines }: { lines: DiffLine[] }) {
  return (
    <table className="diff-lines diff-split">
      <HiddenHead columns={["Old line", "Old text", "New line", "New text"]} />
      <tbody>
        {splitRows(lines).map((row, index) => (
          <tr key={index}>
            <SideCells line={row.old} side="old" />
            {!row.old && <td className="text" />}
            <SideCells line={row.new} side="new" />
            {!row.new && <td className="text" />}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function LineTable({ lines }: { lines: DiffLine[] }) {
  const layout = useContext(LayoutContext);
  if (lines.length === 0) return <p className="muted">Both versions are empty.</p>;
  if (layout === "split") return <SplitTable lines={lines} />;
  return (
    <table className="diff-lines">
      <HiddenHead columns={["Old line", "New line", "Change", "Text"]} />
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

/** The server's diff of two versions (llmops/prompts/diffs.py), side by side or unified. */
export function DiffView({ diff }: { diff: PromptDiff }) {
  const { template } = diff;
  const [layout, setLayout] = useState<Layout>("split");
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
      <div className="toolbar" role="group" aria-label="Diff layout">
        <button type="button" aria-pressed={layout === "split"} onClick={() => setLayout("split")}>
          Side by side
        </button>
        <button type="button" aria-pressed={layout === "unified"} onClick={() => setLayout("unified")}>
          Unified
        </button>
      </div>
      <h4>Template</h4>
      <LayoutContext.Provider value={layout}>
      {template.type === "text" ? (
        <LineTable lines={template.lines} />
      ) : (
        <ol className="diff-messages">
          {template.messages.map((entry, index) => (
            <MessageEntry key={index} entry={entry} />
          ))}
        </ol>
      )}
      </LayoutContext.Provider>
      <h4>Config</h4>
      <ConfigChanges config={diff.config} />
    </section>
  );
}
