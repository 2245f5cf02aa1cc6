import { useState, type KeyboardEvent } from "react";
import { Link, useParams } from "react-router-dom";
import type { Score, Span, SpanNode } from "../../api/types";
import { tracesApi } from "../../api/traces";
import { PayloadView } from "../../components/ChatMessages";
import { formatCost, formatMs, formatTime } from "../../lib/format";
import { useAsync } from "../../lib/useAsync";
import { SpanDetail } from "./SpanDetail";
import { ScoreTable } from "./ScoreTable";
import { traceExtent, waterfallRows } from "./waterfall";
import "../../styles/traces.css";

function Waterfall({
  nodes,
  selected,
  onSelect,
}: {
  nodes: SpanNode[];
  selected: string | null;
  onSelect: (s: Span) => void;
}) {
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const { start, end } = traceExtent(nodes);
  const total = end - start;
  const rows = waterfallRows(nodes, collapsed);
  function toggle(id: string) {
    setCollapsed((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }
  // Up and down arrows walk the spans like a list, instead of tabbing through every toggle.
  function moveFocus(event: KeyboardEvent<HTMLUListElement>) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const buttons = Array.from(event.currentTarget.querySelectorAll<HTMLButtonElement>("button.span-row"));
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (at < 0) return;
    const next = buttons[event.key === "ArrowDown" ? Math.min(buttons.length - 1, at + 1) : Math.max(0, at - 1)];
    next?.focus();
    event.preventDefault();
  }
  return (
    <>
      <div className="waterfall-axis" aria-hidden="true">
        {[0, 25, 50, 75, 100].map((pct) => (
          <span key={pct} style={{ left: `${pct}%` }}>
            {formatMs((total * pct) / 100)}
          </span>
        ))}
      </div>
      <ul className="waterfall" aria-label="Span timeline" onKeyDown={moveFocus}>
        {rows.map((row) => {
          const { span } = row;
          const isSelected = span.span_id === selected;
          const isOpen = !collapsed.has(span.span_id);
          return (
            <li key={span.span_id} className="waterfall-row">
              <span className="waterfall-indent" style={{ width: `${row.depth * 14}px` }} />
              {row.hasChildren ? (
                <button
                  type="button"
                  className="tree-toggle"
                  aria-expanded={isOpen}
                  aria-label={`${isOpen ? "Collapse" : "Expand"} ${span.name}`}
                  onClick={() => toggle(span.span_id)}
                >
                  {isOpen ? "▾" : "▸"}
                </button>
              ) : (
                <span className="tree-toggle-space" />
              )}
              <button
                type="button"
                className={`span-row${isSelected ? " selected" : ""}${span.status.toLowerCase() === "error" ? " is-error" : ""}`}
                aria-pressed={isSelected}
                onClick={() => onSelect(span)}
                title={`starts at +${formatMs(row.offsetMs)}, lasts ${formatMs(span.duration_ms)}`}
              >
                <span className="span-name">
                  <span className={`kind kind-${span.kind}`}>{span.kind}</span> {span.name}
                </span>
                <span className="span-dur">{formatMs(span.duration_ms)}</span>
                <span className="timeline" aria-hidden="true">
                  <span
                    className={`timeline-bar kind-bg-${span.kind}`}
                    style={{ left: `${row.left}%`, width: `${row.width}%` }}
                  />
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </>
  );
}

function findSpan(nodes: SpanNode[], id: string | null): Span | null {
  if (!id) return null;
  for (const { span, children } of nodes) {
    if (span.span_id === id) return span;
    const found = findSpan(children, id);
    if (found) return found;
  }
  return null;
}

export function TraceDetail() {
  const { traceId = "" } = useParams();
  const { data: trace, error, loading } = useAsync(() => tracesApi.trace(traceId), [traceId]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const span = trace ? findSpan(trace.spans, selectedId) ?? trace.spans[0]?.span ?? null : null;
  const traceScores: Score[] = trace ? trace.scores.filter((s) => !s.span_id) : [];
  const traceStart = trace ? traceExtent(trace.spans).start : 0;
  return (
    <>
      <p className="crumbs">
        <Link to="/traces">Traces</Link> / {traceId}
      </p>
      {loading && <p>Loading…</p>}
      {error && (
        <p role="alert" className="error">
          Could not load trace {traceId}: {error}. Check the id or go back to the <Link to="/traces">trace list</Link>.
        </p>
      )}
      {trace && (
        <>
          <h1>{trace.name || trace.trace_id}</h1>
          <dl className="trace-facts">
            <div>
              <dt>Started</dt>
              <dd>{formatTime(trace.start_time)}</dd>
            </div>
            <div>
              <dt>Latency</dt>
              <dd>{formatMs(trace.latency_ms)}</dd>
            </div>
            <div>
              <dt>Tokens</dt>
              <dd>
                {trace.total_tokens} ({trace.input_tokens} in · {trace.output_tokens} out)
              </dd>
            </div>
            <div>
              <dt>Cost</dt>
              <dd>
                {formatCost(trace.cost_total)}
                {trace.unpriced_span_count > 0 && <span className="muted"> ({trace.unpriced_span_count} unpriced spans)</span>}
              </dd>
            </div>
            <div>
              <dt>Status</dt>
              <dd>
                <span className={`status status-${trace.status.toLowerCase()}`}>{trace.status}</span>
                {trace.error_count > 0 && <span className="neg"> · {trace.error_count} errors</span>}
              </dd>
            </div>
            {trace.user_id && (
              <div>
                <dt>User</dt>
                <dd>
                  <Link to={`/traces?user_id=${encodeURIComponent(trace.user_id)}`}>{trace.user_id}</Link>
                </dd>
              </div>
            )}
            {trace.session_id && (
              <div>
                <dt>Session</dt>
                <dd>
                  <Link to={`/sessions/${encodeURIComponent(trace.session_id)}`}>{trace.session_id}</Link>
                </dd>
              </div>
            )}
            {trace.environment && (
              <div>
                <dt>Environment</dt>
                <dd>{trace.environment}</dd>
              </div>
            )}
            {trace.release && (
              <div>
                <dt>Release</dt>
                <dd>{trace.release}</dd>
              </div>
            )}
            {trace.tags.length > 0 && (
              <div>
                <dt>Tags</dt>
                <dd>
                  {trace.tags.map((tag) => (
                    <span key={tag} className="tag">
                      {tag}
                    </span>
                  ))}
                </dd>
              </div>
            )}
          </dl>
          {(trace.input !== null || trace.output !== null) && (
            <details className="trace-io">
              <summary>Trace input and output</summary>
              <div className="trace-io-cols">
                <section aria-label="Trace input">
                  <h3>Input</h3>
                  <PayloadView value={trace.input} />
                </section>
                <section aria-label="Trace output">
                  <h3>Output</h3>
                  <PayloadView value={trace.output} />
                </section>
              </div>
            </details>
          )}
          {traceScores.length > 0 && (
            <section aria-label="Trace scores">
              <h2>Scores</h2>
              <ScoreTable scores={traceScores} />
            </section>
          )}
          <div className="split">
            <section aria-label="Span tree" className="tree-pane waterfall-pane">
              <h2>Spans ({trace.span_count})</h2>
              {trace.spans.length === 0 ? (
                <p className="empty">This trace has no spans yet; spans sent later will appear here.</p>
              ) : (
                <Waterfall nodes={trace.spans} selected={span?.span_id ?? null} onSelect={(s) => setSelectedId(s.span_id)} />
              )}
            </section>
            <div className="grow">
              {span && (
                <SpanDetail
                  key={span.span_id}
                  span={span}
                  offsetMs={Date.parse(span.start_time) - traceStart}
                  scores={trace.scores.filter((s) => s.span_id === span.span_id)}
                />
              )}
            </div>
          </div>
        </>
      )}
    </>
  );
}
