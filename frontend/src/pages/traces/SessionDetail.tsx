import { Link, useParams } from "react-router-dom";
import { tracesApi } from "../../api/traces";
import { formatCost, formatMs, formatTime } from "../../lib/format";
import { useAsync } from "../../lib/useAsync";
import { conversationTurns } from "./conversation";
import "../../styles/traces.css";

/** The most traces GET /sessions/{id} returns (its oldest ones); the trace list pages past it. */
export const SESSION_TRACE_LIMIT = 500;

/** A session's traces in order, read as one conversation; every turn links to its trace. */
export function SessionDetail() {
  const { sessionId = "" } = useParams();
  const { data, error, loading } = useAsync(() => tracesApi.session(sessionId), [sessionId]);
  const turns = data ? conversationTurns(data.traces) : [];
  const totals = data
    ? {
        tokens: data.traces.reduce((n, t) => n + t.total_tokens, 0),
        cost: data.traces.reduce((n, t) => n + Number(t.cost_total), 0),
        latency: data.traces.reduce((n, t) => n + t.latency_ms, 0),
        user: data.traces.find((t) => t.user_id)?.user_id ?? "",
      }
    : null;
  return (
    <>
      <p className="crumbs">
        <Link to="/sessions">Sessions</Link> / {sessionId}
      </p>
      <h1>Session {sessionId}</h1>
      {loading && <p>Loading…</p>}
      {error && (
        <p role="alert" className="error">
          Could not load session {sessionId}: {error}. Pick one from the <Link to="/sessions">session list</Link>.
        </p>
      )}
      {data && totals && (
        <>
          <p className="muted">
            {turns.length} traces · {totals.tokens} tokens · {formatCost(String(totals.cost))} · {formatMs(totals.latency)} in total
            {totals.user && (
              <>
                {" "}
                · user <Link to={`/traces?user_id=${encodeURIComponent(totals.user)}`}>{totals.user}</Link>
              </>
            )}{" "}
            · <Link to={`/traces?session_id=${encodeURIComponent(sessionId)}`}>as a trace list</Link>
          </p>
          {data.traces.length >= SESSION_TRACE_LIMIT && (
            <p role="status" className="empty">
              This page shows the session's first {SESSION_TRACE_LIMIT} traces.{" "}
              <Link to={`/traces?session_id=${encodeURIComponent(sessionId)}`}>The trace list</Link> pages through all of them.
            </p>
          )}
          <ol className="chat session-chat" aria-label="Conversation">
            {turns.flatMap((turn, index) => {
              const traceLink = (
                <Link to={`/traces/${encodeURIComponent(turn.traceId)}`} className="small">
                  Trace {index + 1}: {turn.traceName}
                </Link>
              );
              const bubbles = [];
              if (turn.user !== null)
                bubbles.push(
                  <li key={`${turn.traceId}-user`} className="chat-msg chat-user" data-role="user" data-trace-id={turn.traceId}>
                    <div className="chat-role">
                      user · {formatTime(turn.startTime)}
                    </div>
                    <div className="chat-content">{turn.user}</div>
                  </li>,
                );
              bubbles.push(
                <li
                  key={`${turn.traceId}-assistant`}
                  className={`chat-msg chat-assistant${turn.status === "error" ? " chat-error" : ""}`}
                  data-role="assistant"
                  data-trace-id={turn.traceId}
                >
                  <div className="chat-role">assistant</div>
                  {turn.assistant !== null ? (
                    <div className="chat-content">{turn.assistant}</div>
                  ) : (
                    <div className="muted">{turn.status === "error" ? "Failed without an answer." : "No output recorded."}</div>
                  )}
                  <div className="turn-link">{traceLink}</div>
                </li>,
              );
              return bubbles;
            })}
          </ol>
        </>
      )}
    </>
  );
}
