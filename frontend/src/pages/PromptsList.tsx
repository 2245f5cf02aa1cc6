import { useState } from "react";
import { Link } from "react-router-dom";
import { api } from "../api/client";
import { formatTime } from "../lib/format";
import { useAsync } from "../lib/useAsync";

export function PromptsList() {
  const { data, error, loading } = useAsync(() => api.prompts(), []);
  const [search, setSearch] = useState("");
  const needle = search.trim().toLowerCase();
  const prompts = (data ?? []).filter(
    (p) =>
      !needle ||
      p.name.toLowerCase().includes(needle) ||
      p.description.toLowerCase().includes(needle) ||
      p.tags.some((t) => t.toLowerCase().includes(needle)),
  );
  return (
    <>
      <h1>Prompts</h1>
      <div className="toolbar">
        <label htmlFor="prompt-search">Search</label>
        <input id="prompt-search" type="search" placeholder="Name, description or tag" value={search} onChange={(e) => setSearch(e.target.value)} />
      </div>
      {loading && <p>Loading…</p>}
      {error && <p role="alert" className="error">{error}</p>}
      {data && data.length === 0 && (
        <div className="empty">
          <h2>No prompts in this project yet</h2>
          <p>
            Create one with the SDK or the API: <code>POST /api/v1/prompts</code> with{" "}
            <code>{'{"name": "greeting", "type": "text", "template": "Hello {{name}}"}'}</code>. It will show up here with its versions.
          </p>
        </div>
      )}
      {data && data.length > 0 && prompts.length === 0 && <p className="empty">No prompt matches “{search}”.</p>}
      {prompts.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Latest version</th>
              <th>Tags</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {prompts.map((p) => (
              <tr key={p.name}>
                <td>
                  <Link to={`/prompts/${p.name.split("/").map(encodeURIComponent).join("/")}`}>{p.name}</Link>
                  {p.description && <div className="muted small">{p.description}</div>}
                </td>
                <td>{p.type}</td>
                <td>{p.latest_version ?? "–"}</td>
                <td>{p.tags.map((t) => <span key={t} className="tag">{t}</span>)}</td>
                <td>{formatTime(p.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
