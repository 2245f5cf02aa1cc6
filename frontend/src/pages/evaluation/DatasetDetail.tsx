import { useRef, useState, type FormEvent } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { evaluationApi, type DatasetItem, type ItemInput } from "../../api/evaluation";
import { formatTime } from "../../lib/format";
import { useAsync } from "../../lib/useAsync";
import { Alert, FormError } from "../../components/FormErrors";
import { errorMessage } from "../../lib/errors";
import { parseJson } from "./jsonFields";
import { Preview } from "./ResultsPanel";
import { usePaged } from "../../lib/usePaged";

const ITEMS_PAGE = 50;

function asText(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value, null, 2);
}

/** Adds an item, or replaces the item with the same key. Fields are JSON (a bare string is quoted). */
function ItemEditor({ initial, onSave, onClose }: { initial: DatasetItem | null; onSave: (item: ItemInput) => Promise<void>; onClose: () => void }) {
  const [key, setKey] = useState(initial?.key ?? "");
  const [input, setInput] = useState(asText(initial?.input ?? ""));
  const [expected, setExpected] = useState(asText(initial?.expected));
  const [metadata, setMetadata] = useState(initial ? JSON.stringify(initial.metadata) : "{}");
  const [problem, setProblem] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const parsedInput = parseJson(input);
    const parsedExpected = expected.trim() === "" ? ({ ok: true, value: null } as const) : parseJson(expected);
    const parsedMetadata = parseJson(metadata.trim() || "{}");
    if (!parsedInput.ok) return setProblem(new Error(`Input: ${parsedInput.error}`));
    if (!parsedExpected.ok) return setProblem(new Error(`Expected: ${parsedExpected.error}`));
    if (!parsedMetadata.ok || typeof parsedMetadata.value !== "object" || parsedMetadata.value === null || Array.isArray(parsedMetadata.value)) {
      return setProblem(new Error("Metadata: must be a JSON object."));
    }
    setSaving(true);
    setProblem(null);
    try {
      await onSave({
        ...(key.trim() ? { key: key.trim() } : {}),
        input: parsedInput.value,
        expected: parsedExpected.value,
        metadata: parsedMetadata.value,
      });
    } catch (err) {
      setProblem(err);
    } finally {
      setSaving(false);
    }
  }

  return (
    <form className="editor" onSubmit={(e) => void submit(e)} aria-label={initial ? `Edit item ${initial.key}` : "Add an item"}>
      <h3>{initial ? `Edit item ${initial.key}` : "Add an item"}</h3>
      <label>
        Key <span className="muted small">(blank: a new key is made; an existing key replaces that item)</span>
        <input value={key} onChange={(e) => setKey(e.target.value)} readOnly={Boolean(initial)} />
      </label>
      <div className="editor-cols">
        <label>
          Input (JSON)
          <textarea rows={5} value={input} onChange={(e) => setInput(e.target.value)} placeholder='{"question": "…"}' />
        </label>
        <label>
          Expected (JSON, optional)
          <textarea rows={5} value={expected} onChange={(e) => setExpected(e.target.value)} placeholder='"the answer"' />
        </label>
      </div>
      <label>
        Metadata (JSON object)
        <input className="wide" value={metadata} onChange={(e) => setMetadata(e.target.value)} />
      </label>
      <FormError error={problem} />
      <div className="toolbar">
        <button type="submit" className="primary" disabled={saving}>
          {initial ? "Save item" : "Add item"}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function ImportForm({ onImport }: { onImport: (text: string, kind: "jsonl" | "csv") => Promise<void> }) {
  const fileRef = useRef<HTMLInputElement>(null);
  const [problem, setProblem] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const file = fileRef.current?.files?.[0];
    if (!file) return setProblem(new Error("Choose a .jsonl or .csv file first."));
    const kind = file.name.toLowerCase().endsWith(".csv") || file.type === "text/csv" ? "csv" : "jsonl";
    setBusy(true);
    setProblem(null);
    try {
      await onImport(await file.text(), kind);
      if (fileRef.current) fileRef.current.value = "";
    } catch (err) {
      setProblem(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="inline-form" onSubmit={(e) => void submit(e)} aria-label="Import items">
      <label>
        Import file (JSONL or CSV)
        <input type="file" ref={fileRef} accept=".jsonl,.ndjson,.json,.csv,text/csv,application/x-ndjson" />
      </label>
      <button type="submit" disabled={busy}>
        {busy ? "Importing…" : "Import"}
      </button>
      <span className="muted small">
        JSONL: one object per line with input, expected, metadata and optionally key. CSV: a header row with those columns.
      </span>
      <FormError error={problem} />
    </form>
  );
}

export function DatasetDetail() {
  const { name = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const [refresh, setRefresh] = useState(0);
  const versions = useAsync(() => evaluationApi.datasetVersions(name), [name, refresh]);
  const latest = versions.data?.[0]?.number ?? 0;
  const chosen = Number(params.get("version")) || null;
  const shown = chosen ?? latest;
  const items = usePaged(
    (cursor) =>
      shown > 0 ? evaluationApi.datasetItems(name, { version: shown, cursor, limit: ITEMS_PAGE }) : Promise.resolve({ items: [], next_cursor: null }),
    [name, shown, refresh],
  );
  const [editing, setEditing] = useState<DatasetItem | "new" | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const readOnly = chosen !== null && chosen !== latest;

  function changed(message: string) {
    setNotice(message);
    setEditing(null);
    if (chosen !== null) setParams({});
    setRefresh((r) => r + 1);
  }

  async function save(item: ItemInput) {
    const version = await evaluationApi.changeItems(name, { items: [item] });
    changed(`Saved: version ${version.number} has ${version.item_count} items.`);
  }

  async function remove(key: string) {
    if (!window.confirm(`Remove item ${key}? The older versions keep it.`)) return;
    setProblem(null);
    try {
      const version = await evaluationApi.changeItems(name, { remove: [key], note: `remove ${key}` });
      changed(`Removed ${key}: version ${version.number} has ${version.item_count} items.`);
    } catch (err) {
      setProblem(errorMessage(err));
    }
  }

  async function importFile(text: string, kind: "jsonl" | "csv") {
    const version = await evaluationApi.importItems(name, text, kind);
    changed(`Imported: version ${version.number} has ${version.item_count} items.`);
  }

  async function exportItems() {
    setProblem(null);
    try {
      const text = await evaluationApi.exportItems(name, shown);
      const url = URL.createObjectURL(new Blob([text], { type: "application/x-ndjson" }));
      const link = document.createElement("a");
      link.href = url;
      link.download = `${name}-v${shown}.jsonl`;
      link.click();
      URL.revokeObjectURL(url);
    } catch (err) {
      setProblem(errorMessage(err));
    }
  }

  return (
    <>
      <p className="crumbs">
        <Link to="/evaluations/datasets">Datasets</Link> / {name}
      </p>
      <h1>{name}</h1>
      <Alert message={versions.error} />
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      <Alert message={problem} />
      <div className="split">
        <div className="grow">
          <div className="toolbar">
            <h2>
              Items {shown > 0 && <span className="muted">as of version {shown}</span>}
            </h2>
            {!readOnly && (
              <button type="button" onClick={() => setEditing("new")}>
                Add item
              </button>
            )}
            {shown > 0 && (
              <button type="button" onClick={() => void exportItems()}>
                Export JSONL
              </button>
            )}
          </div>
          {!readOnly && <ImportForm onImport={importFile} />}
          {readOnly && (
            <p className="muted">
              An older version is read-only. <button type="button" onClick={() => setParams({})}>Show the latest</button>
            </p>
          )}
          {editing && <ItemEditor key={editing === "new" ? "new" : editing.key} initial={editing === "new" ? null : editing} onSave={save} onClose={() => setEditing(null)} />}
          <Alert message={items.error} />
          {!items.loading && versions.data && items.items.length === 0 && (
            <p className="empty">No items yet. Add one, import a JSONL or CSV file above, or POST /api/v1/datasets/{name}/items.</p>
          )}
          {items.items.length > 0 && (
            <table className="table items">
              <thead>
                <tr>
                  <th>Key</th>
                  <th>Input</th>
                  <th>Expected</th>
                  <th>Metadata</th>
                  <th className="num">Since</th>
                  {!readOnly && <th>Actions</th>}
                </tr>
              </thead>
              <tbody>
                {items.items.map((item) => (
                  <tr key={item.key}>
                    <td>
                      <code>{item.key}</code>
                      {item.source_trace_id && (
                        <div className="small">
                          <Link to={`/traces/${item.source_trace_id}`}>from a trace</Link>
                        </div>
                      )}
                    </td>
                    <td>
                      <Preview value={item.input} />
                    </td>
                    <td>
                      <Preview value={item.expected} />
                    </td>
                    <td className="small">{Object.keys(item.metadata).length ? <Preview value={item.metadata} /> : <span className="muted">–</span>}</td>
                    <td className="num">v{item.added_in}</td>
                    {!readOnly && (
                      <td className="actions">
                        <button type="button" onClick={() => setEditing(item)} aria-label={`Edit item ${item.key}`}>
                          Edit
                        </button>
                        <button type="button" onClick={() => void remove(item.key)} aria-label={`Delete item ${item.key}`}>
                          Delete
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {items.next && (
            <button type="button" onClick={() => void items.loadMore()} disabled={items.loading}>
              Load more items
            </button>
          )}
        </div>
        <aside className="versions" aria-labelledby="versions-heading">
          <h2 id="versions-heading">Versions</h2>
          {versions.data && versions.data.length === 0 && <p className="muted">No versions yet: every change makes one.</p>}
          <ul className="version-list">
            {versions.data?.map((v) => (
              <li key={v.number}>
                <button type="button" aria-pressed={v.number === shown} onClick={() => setParams(v.number === latest ? {} : { version: String(v.number) })}>
                  <strong>v{v.number}</strong> · {v.item_count} items
                  <div className="small muted">
                    {v.note || "change"} · {v.created_by || "–"} · {formatTime(v.created_at)}
                  </div>
                </button>
              </li>
            ))}
          </ul>
        </aside>
      </div>
    </>
  );
}
