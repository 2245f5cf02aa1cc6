import { useEffect, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router-dom";
import type { TraceListItem } from "../../api/types";
import { tracesApi } from "../../api/traces";
import { formatCost, formatMs, formatNumber, formatTime } from "../../lib/format";
import {
  filtersFromSearch,
  filtersToApiQuery,
  filtersToSearch,
  TIME_RANGES,
  withFilter,
  type TraceFilterKey,
  type TraceFilters,
} from "../../lib/traceFilters";
import "../../styles/traces.css";
import { LoadMore } from "./LoadMore";
import { useCursorList } from "./useCursorList";

interface FieldSpec {
  key: TraceFilterKey;
  label: string;
  type?: "text" | "number" | "datetime-local";
  options?: [string, string][];
  placeholder?: string;
}

const MAIN_FIELDS: FieldSpec[] = [
  { key: "q", label: "Search input/output", placeholder: "text in any span" },
  { key: "name", label: "Name" },
  { key: "user_id", label: "User ID" },
  { key: "session_id", label: "Session ID" },
  { key: "tags", label: "Tags (comma-separated)" },
  {
    key: "range",
    label: "Time range",
    options: [["", "Any time"], ...Object.entries(TIME_RANGES).map(([k, r]): [string, string] => [k, r.label])],
  },
];

const MORE_FIELDS: FieldSpec[] = [
  { key: "from", label: "From", type: "datetime-local" },
  { key: "to", label: "To", type: "datetime-local" },
  { key: "model", label: "Model" },
  { key: "environment", label: "Environment" },
  { key: "release", label: "Release" },
  { key: "status", label: "Status", options: [["", "Any"], ["ok", "ok"], ["error", "error"], ["unset", "unset"]] },
  { key: "has_error", label: "Has errors", options: [["", "Any"], ["true", "With errors"], ["false", "Without errors"]] },
  { key: "prompt_name", label: "Prompt name" },
  { key: "prompt_version", label: "Prompt version" },
  { key: "min_latency_ms", label: "Min latency (ms)", type: "number" },
  { key: "max_latency_ms", label: "Max latency (ms)", type: "number" },
  { key: "min_cost", label: "Min cost ($)", type: "number" },
  { key: "max_cost", label: "Max cost ($)", type: "number" },
  { key: "metadata_key", label: "Metadata key" },
  { key: "metadata_value", label: "Metadata value" },
  { key: "score_name", label: "Score name" },
  { key: "score_min", label: "Score at least", type: "number" },
  { key: "score_max", label: "Score at most", type: "number" },
  { key: "score_label", label: "Score label" },
  {
    key: "order_by",
    label: "Sort by",
    options: [
      ["", "Newest first"],
      ["start_time", "Oldest first"],
      ["-latency_ms", "Slowest first"],
      ["-cost_total", "Most expensive first"],
      ["-total_tokens", "Most tokens first"],
    ],
  },
];

function FilterField({ spec, draft, setDraft }: { spec: FieldSpec; draft: TraceFilters; setDraft: (f: TraceFilters) => void }) {
  const id = `f-${spec.key}`;
  const value = draft[spec.key] ?? "";
  const change = (v: string) => setDraft(withFilter(draft, spec.key, v));
  return (
    <div>
      <label htmlFor={id}>{spec.label}</label>
      {spec.options ? (
        <select id={id} value={value} onChange={(e) => change(e.target.value)}>
          {spec.options.map(([v, text]) => (
            <option key={v} value={v}>
              {text}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          type={spec.type ?? "text"}
          step={spec.type === "number" ? "any" : undefined}
          placeholder={spec.placeholder}
          value={value}
          onChange={(e) => change(e.target.value)}
        />
      )}
    </div>
  );
}

export function TraceFilterForm({ value, onApply }: { value: TraceFilters; onApply: (f: TraceFilters) => void }) {
  const [draft, setDraft] = useState<TraceFilters>(value);
  const key = filtersToSearch(value).toString();
  useEffect(() => setDraft(filtersFromSearch(key)), [key]);
  const moreActive = MORE_FIELDS.some((f) => value[f.key]);
  function submit(event: FormEvent) {
    event.preventDefault();
    onApply(draft);
  }
  return (
    <form className="filters trace-filters" onSubmit={submit} aria-label="Trace filters">
      {MAIN_FIELDS.map((spec) => (
        <FilterField key={spec.key} spec={spec} draft={draft} setDraft={setDraft} />
      ))}
      <div className="filter-actions">
        <button type="submit" className="primary">
          Apply
        </button>
        <button
          type="button"
          onClick={() => {
            setDraft({});
            onApply({});
          }}
        >
          Clear
        </button>
      </div>
      <details className="more-filters" open={moreActive}>
        <summary>More filters (time, model, status, prompt, latency, cost, metadata, scores, sort)</summary>
        <div className="filters">
          {MORE_FIELDS.map((spec) => (
            <FilterField key={spec.key} spec={spec} draft={draft} setDraft={setDraft} />
          ))}
        </div>
      </details>
    </form>
  );
}

function ScoreTags({ item }: { item: TraceListItem }) {
  const entries = Object.entries(item.scores ?? {});
  if (entries.length === 0) return null;
  return (
    <>
      {entries.map(([name, s]) => (
        <span key={name} className="tag score-tag" title={`${s.count} score(s)`}>
          {name}: {s.mean !== null ? formatNumber(s.mean, 2) : Object.keys(s.labels).join(", ")}
        </span>
      ))}
    </>
  );
}

/** The order a list is in: the URL's order_by, or the API's default (newest first). */
function currentOrder(filters: TraceFilters): string {
  return filters.order_by ?? "-start_time";
}

/** A column header that sorts by its column: largest (or newest) first, then the reverse. */
function SortHeader({ field, label, filters, numeric = false }: { field: string; label: string; filters: TraceFilters; numeric?: boolean }) {
  const order = currentOrder(filters);
  const sorted = order === field ? "ascending" : order === `-${field}` ? "descending" : "none";
  const next = sorted === "descending" ? field : `-${field}`;
  const search = filtersToSearch(withFilter(filters, "order_by", next === "-start_time" ? "" : next)).toString();
  return (
    <th scope="col" className={numeric ? "num" : undefined} aria-sort={sorted}>
      <Link to={`/traces?${search}`} className="sort-link" title={`Sort by ${label.toLowerCase()}`}>
        {label}
        <span aria-hidden="true">{sorted === "descending" ? " ↓" : sorted === "ascending" ? " ↑" : ""}</span>
      </Link>
    </th>
  );
}

export function TracesList() {
  const [params, setParams] = useSearchParams();
  const filters = filtersFromSearch(params);
  const key = filtersToSearch(filters).toString();
  const { items, loading, error, hasMore, loadMore } = useCursorList<TraceListItem>(
    (cursor) => tracesApi.traces({ ...filtersToApiQuery(filtersFromSearch(key)), cursor }),
    key,
  );

  const filterLink = (k: TraceFilterKey, v: string) => `/traces?${filtersToSearch(withFilter(filters, k, v)).toString()}`;

  return (
    <>
      <h1>Traces</h1>
      <TraceFilterForm value={filters} onApply={(f) => setParams(filtersToSearch(f))} />
      {error && (
        <p role="alert" className="error">
          Could not load traces: {error}
        </p>
      )}
      {!loading && !error && items.length === 0 && (
        <p className="empty">
          {key
            ? "No trace matches these filters. Loosen or clear them."
            : "No traces yet. Send some with the SDK or OpenTelemetry (OTLP to /v1/traces) and they appear here."}
        </p>
      )}
      {items.length > 0 && (
        <table className="table traces-table">
          <thead>
            <tr>
              <SortHeader field="start_time" label="Time" filters={filters} />
              <th scope="col">Name</th>
              <th scope="col">User</th>
              <th scope="col">Session</th>
              <th scope="col">Tags</th>
              <SortHeader field="latency_ms" label="Latency" filters={filters} numeric />
              <SortHeader field="total_tokens" label="Tokens" filters={filters} numeric />
              <SortHeader field="cost_total" label="Cost" filters={filters} numeric />
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {items.map((t) => (
              <tr key={t.trace_id} data-trace-id={t.trace_id}>
                <td className="nowrap">{formatTime(t.start_time)}</td>
                <td>
                  <Link to={`/traces/${encodeURIComponent(t.trace_id)}`}>{t.name || t.trace_id}</Link>
                  <ScoreTags item={t} />
                </td>
                <td className="ellipsis">
                  {t.user_id && (
                    <Link to={filterLink("user_id", t.user_id)} title={`Show only traces of user ${t.user_id}`}>
                      {t.user_id}
                    </Link>
                  )}
                </td>
                <td className="ellipsis">
                  {t.session_id && (
                    <Link to={filterLink("session_id", t.session_id)} title={`Show only traces of session ${t.session_id}`}>
                      {t.session_id}
                    </Link>
                  )}
                </td>
                <td>
                  {t.tags.map((tag) => (
                    <Link key={tag} className="tag" to={filterLink("tags", tag)} title={`Show only traces tagged ${tag}`}>
                      {tag}
                    </Link>
                  ))}
                </td>
                <td className="num">{formatMs(t.latency_ms)}</td>
                <td className="num" title={`${t.input_tokens} in · ${t.output_tokens} out`}>
                  {t.total_tokens}
                </td>
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
      <LoadMore loading={loading} hasMore={hasMore} onLoadMore={loadMore} />
    </>
  );
}
