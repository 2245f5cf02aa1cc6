import { useState } from "react";
import { Link } from "react-router-dom";
import type { Json, Score, Span } from "../../api/types";
import type { RetrievedDocument } from "../../api/traces";
import { asChatMessages, asToolCalls, PayloadView, ToolCallList } from "../../components/ChatMessages";
import { JsonBlock } from "../../components/JsonBlock";
import { formatCost, formatMs, jsonText } from "../../lib/format";
import { ScoreTable } from "./ScoreTable";

/** Documents in the stored shape [{id, content, score}], or null for anything else. */
export function asDocuments(value: Json | undefined): RetrievedDocument[] | null {
  if (!Array.isArray(value) || value.length === 0) return null;
  const docs: RetrievedDocument[] = [];
  for (const item of value) {
    if (!item || typeof item !== "object" || Array.isArray(item)) return null;
    const content = item.content ?? item.text;
    docs.push({
      id: jsonText(item.id),
      content: typeof content === "string" ? content : JSON.stringify(content ?? null),
      score: typeof item.score === "number" ? item.score : null,
      metadata: item.metadata,
    });
  }
  return docs;
}

function DocumentList({ docs }: { docs: RetrievedDocument[] }) {
  return (
    <ol className="documents" aria-label="Retrieved documents">
      {docs.map((doc, index) => (
        <li key={`${doc.id}-${index}`} className="document">
          <div className="document-head">
            <span className="muted">#{index + 1}</span>
            {doc.id && <code>{doc.id}</code>}
            <span className="doc-score">score {doc.score === null ? "–" : String(Number(doc.score.toFixed(3)))}</span>
          </div>
          <div className="chat-content">{doc.content}</div>
          {doc.metadata !== undefined && doc.metadata !== null && <JsonBlock value={doc.metadata} />}
        </li>
      ))}
    </ol>
  );
}

interface UsageRow {
  label: string;
  tokens: number;
  cost: string | null;
}

/** Tokens and cost per token type; the optional types only when the span has them. */
export function usageRows(span: Span): UsageRow[] {
  const { usage, cost } = span;
  const rows: (UsageRow & { always?: boolean })[] = [
    { label: "Input", tokens: usage.input_tokens, cost: cost.input, always: true },
    { label: "Output", tokens: usage.output_tokens, cost: cost.output, always: true },
    { label: "Cache read", tokens: usage.cache_read_tokens, cost: cost.cache_read },
    { label: "Cache write", tokens: usage.cache_write_tokens, cost: cost.cache_write },
    { label: "Reasoning", tokens: usage.reasoning_tokens, cost: cost.reasoning },
  ];
  return [
    ...rows.filter((r) => r.always || r.tokens > 0 || (r.cost !== null && Number(r.cost) !== 0)),
    { label: "Total", tokens: usage.total_tokens, cost: cost.total },
  ].map(({ label, tokens, cost: c }) => ({ label, tokens, cost: c }));
}

function UsageTable({ span }: { span: Span }) {
  return (
    <table className="table usage-table" aria-label="Usage and cost">
      <thead>
        <tr>
          <th scope="col">Type</th>
          <th scope="col" className="num">Tokens</th>
          <th scope="col" className="num">Cost</th>
        </tr>
      </thead>
      <tbody>
        {usageRows(span).map((row) => (
          <tr key={row.label} className={row.label === "Total" ? "total-row" : undefined}>
            <th scope="row">{row.label}</th>
            <td className="num">{row.tokens}</td>
            <td className="num">{formatCost(row.cost)}</td>
          </tr>
        ))}
      </tbody>
      <caption className="caption-bottom muted small">
        {span.usage.estimated ? "Token counts estimated from the text. " : ""}
        {span.cost.total === null ? "No price known for this model." : `Cost source: ${span.cost.source}.`}
      </caption>
    </table>
  );
}

function RawAttributes({ span }: { span: Span }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="raw">
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? "Hide raw attributes" : "Show raw attributes"}
      </button>
      {open && (
        <section aria-label="Raw attributes">
          <h4>Attributes</h4>
          <JsonBlock value={span.attributes} />
          <h4>Resource attributes</h4>
          <JsonBlock value={span.resource_attributes} />
          {span.events.length > 0 && (
            <>
              <h4>Events</h4>
              <JsonBlock value={span.events} />
            </>
          )}
        </section>
      )}
    </div>
  );
}

interface RecordedException {
  type: string;
  message: string;
  stacktrace: string;
}

/** The exceptions recorded as OpenTelemetry "exception" events, in the order they happened. */
export function exceptionsOf(span: Span): RecordedException[] {
  return span.events.flatMap((event) => {
    const attrs = event.attributes;
    if (event.name !== "exception" || !attrs || typeof attrs !== "object" || Array.isArray(attrs)) return [];
    const text = (key: string) => (typeof attrs[key] === "string" ? attrs[key] : "");
    return [{ type: text("exception.type"), message: text("exception.message"), stacktrace: text("exception.stacktrace") }];
  });
}

function Exceptions({ span }: { span: Span }) {
  const exceptions = exceptionsOf(span);
  if (exceptions.length === 0) return null;
  return (
    <section aria-label="Exceptions" className="payload">
      <h3>Exceptions</h3>
      {exceptions.map((exc, index) => (
        <div key={index} className="exception">
          <p className="error">
            <strong>{exc.type || "Exception"}</strong>
            {exc.message && `: ${exc.message}`}
          </p>
          {exc.stacktrace && <pre className="payload-text">{exc.stacktrace}</pre>}
        </div>
      ))}
    </section>
  );
}

function promptLink(span: Span): string {
  const path = `/prompts/${span.prompt_name.split("/").map(encodeURIComponent).join("/")}`;
  return /^\d+$/.test(span.prompt_version) ? `${path}?version=${span.prompt_version}` : path;
}

function Payload({ title, value }: { title: string; value: Json }) {
  return (
    <section aria-label={title} className="payload">
      <h3>{title}</h3>
      <PayloadView value={value} />
    </section>
  );
}

export function SpanDetail({ span, offsetMs, scores }: { span: Span; offsetMs: number; scores: Score[] }) {
  const model = span.model_answered || span.model_requested;
  const isTool = span.kind === "tool";
  const documents = asDocuments(span.documents);
  // Chat output already shows its tool calls inside the assistant message.
  const toolCalls = asChatMessages(span.output) ? null : asToolCalls(span.tool_calls);
  const { tool: toolMeta, ...metadata } = span.metadata;
  return (
    <section aria-label={`Span ${span.name}`} className="span-detail">
      <h2>
        <span className={`kind kind-${span.kind}`}>{span.kind}</span> {span.name}
      </h2>
      <dl className="facts">
        <dt>Timing</dt>
        <dd>
          {formatMs(span.duration_ms)}, starting at +{formatMs(offsetMs)}
        </dd>
        <dt>Status</dt>
        <dd>
          <span className={`status status-${span.status.toLowerCase()}`}>{span.status}</span>
          {span.error_type && ` · ${span.error_type}`}
          {span.status_message && ` — ${span.status_message}`}
        </dd>
        {model && (
          <>
            <dt>Model</dt>
            <dd>
              {span.provider && `${span.provider} / `}
              {model}
              {span.model_requested && span.model_answered && span.model_requested !== span.model_answered && (
                <span className="muted"> (requested {span.model_requested})</span>
              )}
            </dd>
          </>
        )}
        {span.prompt_name && (
          <>
            <dt>Prompt</dt>
            <dd>
              <Link to={promptLink(span)}>
                {span.prompt_name}
                {span.prompt_version && ` v${span.prompt_version}`}
              </Link>
            </dd>
          </>
        )}
        {isTool && toolMeta && typeof toolMeta === "object" && !Array.isArray(toolMeta) && (
          <>
            <dt>Tool</dt>
            <dd>
              {jsonText(toolMeta.name)}
              {toolMeta.call_id ? <span className="muted"> · call {jsonText(toolMeta.call_id)}</span> : null}
            </dd>
          </>
        )}
      </dl>
      <Exceptions span={span} />
      {(span.usage.total_tokens > 0 || span.cost.total !== null) && <UsageTable span={span} />}
      {scores.length > 0 && (
        <section aria-label="Span scores">
          <h3>Scores</h3>
          <ScoreTable scores={scores} />
        </section>
      )}
      {isTool ? (
        <>
          <Payload title="Arguments" value={span.input} />
          <Payload title="Result" value={span.output} />
        </>
      ) : (
        <>
          <Payload title="Input" value={span.input} />
          {documents && (
            <section aria-label="Documents" className="payload">
              <h3>Documents ({documents.length})</h3>
              <DocumentList docs={documents} />
            </section>
          )}
          <Payload title="Output" value={span.output} />
        </>
      )}
      {toolCalls && (
        <section aria-label="Requested tool calls" className="payload">
          <h3>Tool calls ({toolCalls.length})</h3>
          <ToolCallList calls={toolCalls} />
        </section>
      )}
      {Object.keys(span.invocation_params).length > 0 && (
        <>
          <h3>Parameters</h3>
          <JsonBlock value={span.invocation_params} />
        </>
      )}
      {Object.keys(metadata).length > 0 && (
        <>
          <h3>Metadata</h3>
          <JsonBlock value={metadata} />
        </>
      )}
      <RawAttributes span={span} />
    </section>
  );
}
