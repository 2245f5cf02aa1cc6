import { useEffect, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { api } from "../api/client";
import type { TraceListItem } from "../api/types";
import { formatCost, formatMs, formatTime } from "../lib/format";
import { filtersFromSearch, filtersToSearch, TRACE_FILTER_KEYS, type TraceFilters } from "../lib/traceFilters";

const LABELS: Record<(typeof TRACE_FILTER_KEYS)[number], string> = {
  name: "Name",
  user_id: "User ID",
  session_id: "Session ID",
  tags: "Tags (comma-separated)",
};

export function TraceFilterForm({ value, onApply }: { value: TraceFilters; onApply: (f: TraceFilters) => void }) {
  const [draft, setDraft] = useState<TraceFilters>(value);
  useEffect(() => setDraft(value), [value.name, value.user_id, value.session_id, value.tags]); // eslint-disable-line react-hooks/exhaustive-deps
  function submit(event: FormEvent) {
    event.preventDefault();
    onApply(draft);
  }
  return (
    <form className="filters" onSubmit={submit} aria-label="Trace filters">
      {TRACE_FILTER_KEYS.map((key) => (
        <div key={key}>
          <label htmlFor={`f-${key}`}>{LABELS[key]}</label>
          <input id={`f-${key}`} value={draft[key] ?? ""} onChange={(e) => setDraft({ ...draft, [key]: e.target.value })} />
        </div>
      ))}
      <div className="filter-actions">
        <button type="submit" className="primary">Apply</button>
        <button type="button" onClick={() => { setDraft({}); onApply({}); }}>Clear</button>
      </div>
    </form>
  );
}

export function TracesList() {
  const [params, setParams] = useSearchParams();
  const filters = filtersFromSearch(params);
  const key = filtersToSearch(filters).toString();
  const [items, setItems] = useState<TraceListItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  async function load(from: string | null) {
    setLoading(true);
    setError(null);
    try {
      const page = await api.traces({ ...filtersFromSearch(key), cursor: from ?? undefined });
      setItems((old) => (from ? [...old, ...page.items] : page.items));
      setCursor(page.next_cursor);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setLoading(false);
    }
  }

  useEffect(() => {
    setItems([]);
    void load(null);
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <>
      <h1>Traces</h1>
      <TraceFilterForm value={filters} onApply={(f) => setParams(filtersToSearch(f))} />
      {error && <p role="alert" className="error">{error}</p>}
      {!loading && !error && items.length === 0 && (
        <p className="empty">
          {key ? "No trace matches these filters." : "No traces yet. Send some with the SDK or OpenTelemetry (OTLP) and they appear here."}
        </p>
      )}
      {items.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Time</th>
              <th>Name</th>
              <th>User</th>
              <th>Session</th>
              <th className="num">Latency</th>
              <th className="num">Tokens</th>
              <th className="num">Cost</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {items.map((t) => (
              <tr key={t.trace_id}>
                <td>{formatTime(t.start_time)}</td>
                <td>
                  <Link to={`/traces/${encodeURIComponent(t.trace_id)}`}>{t.name || t.trace_id}</Link>
                  {t.tags.map((tag) => <span key={tag} className="tag">{tag}</span>)}
                </td>
                <td>{t.user_id}</td>
                <td className="ellipsis">{t.session_id}</td>
                <td className="num">{formatMs(t.latency_ms)}</td>
                <td className="num">{t.total_tokens}</td>
                <td className="num">{formatCost(t.cost_total)}</td>
                <td>
                  <span className={`status status-${t.status.toLowerCase()}`}>{t.status}</span>
                  {t.error_count > 0 && <span className="neg small"> {t.error_count} errors</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {loading && <p>Loading…</p>}
      {cursor && !loading && (
        <button type="button" onClick={() => void load(cursor)}>
          Load more
        </button>
      )}
    </>
  );
}
