import { useEffect, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { tracesApi, type SessionSummary } from "../../api/traces";
import { formatCost, formatTime } from "../../lib/format";
import "../../styles/traces.css";
import { LoadMore } from "./LoadMore";
import { useCursorList } from "./useCursorList";

/** Sessions (conversations), most recently active first, paged by cursor; ?user_id= filters. */
export function SessionsList() {
  const [params, setParams] = useSearchParams();
  const userId = params.get("user_id")?.trim() ?? "";
  const [draft, setDraft] = useState(userId);
  const { items, loading, error, hasMore, loadMore } = useCursorList<SessionSummary>(
    (cursor) => tracesApi.sessions({ user_id: userId || undefined, cursor }),
    userId,
  );
  useEffect(() => setDraft(userId), [userId]);

  function submit(event: FormEvent) {
    event.preventDefault();
    setParams(draft.trim() ? { user_id: draft.trim() } : {});
  }

  return (
    <>
      <h1>Sessions</h1>
      <form className="filters" onSubmit={submit} aria-label="Session filters">
        <div>
          <label htmlFor="s-user">User ID</label>
          <input id="s-user" value={draft} onChange={(e) => setDraft(e.target.value)} />
        </div>
        <div className="filter-actions">
          <button type="submit" className="primary">
            Apply
          </button>
          <button type="button" onClick={() => setParams({})}>
            Clear
          </button>
        </div>
      </form>
      {error && (
        <p role="alert" className="error">
          Could not load sessions: {error}
        </p>
      )}
      {!loading && !error && items.length === 0 && (
        <p className="empty">
          {userId
            ? `No sessions of user ${userId}. Clear the filter to see all sessions.`
            : "No sessions yet. Traces join a session when they carry a session id (the session.id attribute, or session_id in the SDK)."}
        </p>
      )}
      {items.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Session</th>
              <th scope="col">User</th>
              <th scope="col" className="num">Traces</th>
              <th scope="col">First trace</th>
              <th scope="col">Last trace</th>
              <th scope="col" className="num">Tokens</th>
              <th scope="col" className="num">Cost</th>
              <th scope="col" className="num">Errors</th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <tr key={s.session_id}>
                <td>
                  <Link to={`/sessions/${encodeURIComponent(s.session_id)}`}>{s.session_id}</Link>
                </td>
                <td>
                  {s.user_id && (
                    <Link to={`/sessions?user_id=${encodeURIComponent(s.user_id)}`} title={`Show only sessions of ${s.user_id}`}>
                      {s.user_id}
                    </Link>
                  )}
                </td>
                <td className="num">{s.trace_count}</td>
                <td className="nowrap">{formatTime(s.first_trace_at)}</td>
                <td className="nowrap">{formatTime(s.last_trace_at)}</td>
                <td className="num">{s.total_tokens}</td>
                <td className="num">{formatCost(s.cost_total)}</td>
                <td className={`num${s.error_count > 0 ? " neg" : ""}`}>{s.error_count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMore loading={loading} hasMore={hasMore} onLoadMore={loadMore} />
    </>
  );
}
