import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { api } from "../api/client";
import type { Span, SpanNode } from "../api/types";
import { PayloadView } from "../components/ChatMessages";
import { JsonBlock } from "../components/JsonBlock";
import { formatCost, formatMs, formatTime } from "../lib/format";
import { useAsync } from "../lib/useAsync";

function SpanTree({ nodes, selected, onSelect, total }: { nodes: SpanNode[]; selected: string | null; onSelect: (s: Span) => void; total: number }) {
  return (
    <ul className="span-tree" role="group">
      {nodes.map(({ span, children }) => (
        <li key={span.span_id}>
          <button
            type="button"
            className={`span-row${span.span_id === selected ? " selected" : ""}${span.status.toLowerCase() === "error" ? " is-error" : ""}`}
            aria-pressed={span.span_id === selected}
            onClick={() => onSelect(span)}
          >
            <span className="span-name">
              <span className="kind">{span.kind}</span> {span.name}
            </span>
            <span className="span-dur">{formatMs(span.duration_ms)}</span>
            <span className="bar" aria-hidden="true">
              <span style={{ width: `${total > 0 ? Math.max(1, (span.duration_ms / total) * 100) : 0}%` }} />
            </span>
          </button>
          {children.length > 0 && <SpanTree nodes={children} selected={selected} onSelect={onSelect} total={total} />}
        </li>
      ))}
    </ul>
  );
}

function SpanDetail({ span }: { span: Span }) {
  const model = span.model_answered || span.model_requested;
  return (
    <section aria-label={`Span ${span.name}`}>
      <h2>{span.name}</h2>
      <dl className="facts">
        <dt>Kind</dt><dd>{span.kind}</dd>
        <dt>Duration</dt><dd>{formatMs(span.duration_ms)}</dd>
        <dt>Status</dt><dd>{span.status}{span.status_message && ` — ${span.status_message}`}</dd>
        {model && (<><dt>Model</dt><dd>{span.provider && `${span.provider} / `}{model}</dd></>)}
        {span.prompt_name && (<><dt>Prompt</dt><dd>{span.prompt_name} {span.prompt_version}</dd></>)}
        <dt>Tokens</dt>
        <dd>
          {span.usage.input_tokens} in · {span.usage.output_tokens} out · {span.usage.total_tokens} total
          {span.usage.estimated && " (estimated)"}
        </dd>
        <dt>Cost</dt>
        <dd>
          {formatCost(span.cost.total)}
          {span.cost.total !== null && ` (in ${formatCost(span.cost.input)}, out ${formatCost(span.cost.output)}; ${span.cost.source})`}
        </dd>
      </dl>
      <h3>Input</h3>
      <PayloadView value={span.input} />
      <h3>Output</h3>
      <PayloadView value={span.output} />
      {Object.keys(span.invocation_params).length > 0 && (<><h3>Parameters</h3><JsonBlock value={span.invocation_params} /></>)}
      {Object.keys(span.metadata).length > 0 && (<><h3>Metadata</h3><JsonBlock value={span.metadata} /></>)}
    </section>
  );
}

export function TraceDetail() {
  const { traceId = "" } = useParams();
  const { data: trace, error, loading } = useAsync(() => api.trace(traceId), [traceId]);
  const [selected, setSelected] = useState<Span | null>(null);
  const first = trace?.spans[0]?.span ?? null;
  const span = selected ?? first;
  return (
    <>
      <p className="crumbs"><Link to="/traces">Traces</Link> / {traceId}</p>
      {loading && <p>Loading…</p>}
      {error && <p role="alert" className="error">{error}</p>}
      {trace && (
        <>
          <h1>{trace.name || trace.trace_id}</h1>
          <p className="muted">
            {formatTime(trace.start_time)} · {formatMs(trace.latency_ms)} · {trace.total_tokens} tokens · {formatCost(trace.cost_total)} · {trace.status}
            {trace.user_id && ` · user ${trace.user_id}`}
            {trace.session_id && ` · session ${trace.session_id}`}
          </p>
          {trace.scores.length > 0 && (
            <p>
              Scores:{" "}
              {trace.scores.map((s) => (
                <span key={s.id} className="tag" title={s.comment}>
                  {s.name}: {s.value ?? s.string_value}
                </span>
              ))}
            </p>
          )}
          <div className="split">
            <section aria-label="Span tree" className="tree-pane">
              <h2>Spans ({trace.span_count})</h2>
              {trace.spans.length === 0 ? <p className="muted">No spans.</p> : <SpanTree nodes={trace.spans} selected={span?.span_id ?? null} onSelect={setSelected} total={trace.latency_ms} />}
            </section>
            <div className="grow">{span && <SpanDetail span={span} />}</div>
          </div>
        </>
      )}
    </>
  );
}
