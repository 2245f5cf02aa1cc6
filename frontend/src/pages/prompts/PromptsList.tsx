import { useEffect, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { promptsApi } from "../../api/prompts";
import type { Prompt } from "../../api/types";
import { formatTime } from "../../lib/format";
import { useAsync } from "../../lib/useAsync";
import { NewPromptForm } from "./NewPromptForm";
import { folderView, promptPath } from "./folders";
import "../../styles/prompts.css";

function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

function PromptRows({ prompts, onTag }: { prompts: Prompt[]; onTag: (tag: string) => void }) {
  return (
    <>
      {prompts.map((p) => (
        <tr key={p.name}>
          <td>
            <Link to={promptPath(p.name)}>{p.name}</Link>
            {p.description && <div className="muted small">{p.description}</div>}
          </td>
          <td>{p.type}</td>
          <td>{p.latest_version ?? "–"}</td>
          <td>
            {p.tags.map((t) => (
              <button key={t} type="button" className="tag tag-button" onClick={() => onTag(t)} aria-label={`Filter by tag ${t}`}>
                {t}
              </button>
            ))}
          </td>
          <td>{formatTime(p.created_at)}</td>
        </tr>
      ))}
    </>
  );
}

/** Prompts of the project: folders (names with "/"), search, tag filter, and a create form. */
export function PromptsList() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const folder = params.get("folder") ?? "";
  const tag = params.get("tag") ?? "";
  const [search, setSearch] = useState(params.get("q") ?? "");
  const [creating, setCreating] = useState(false);
  const query = useDebounced(search.trim(), 250);
  const { data, error, loading } = useAsync(
    () => promptsApi.list({ search: query, tag, folder }),
    [query, tag, folder],
  );

  function setParam(key: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
  }
  useEffect(() => {
    if ((params.get("q") ?? "") !== query) setParam("q", query);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only typing moves the query into the URL; re-running on every URL change (params) would undo the back button
  }, [query]);

  const prompts = data ?? [];
  const filtered = Boolean(query || tag);
  // Searching looks through every folder below this one; browsing shows one level.
  const view = filtered ? { folders: [], prompts } : folderView(prompts, folder);
  const tags = Array.from(new Set([...prompts.flatMap((p) => p.tags), ...(tag ? [tag] : [])])).sort();
  const crumbs = folder ? folder.split("/") : [];

  return (
    <>
      <div className="title-row">
        <h1>Prompts</h1>
        <button type="button" className="primary" aria-expanded={creating} onClick={() => setCreating((c) => !c)}>
          {creating ? "Cancel new prompt" : "New prompt"}
        </button>
      </div>
      {creating && <NewPromptForm folder={folder} onCreated={(created) => navigate(promptPath(created.prompt.name))} />}
      <nav aria-label="Folder" className="crumbs">
        <button type="button" className="link" onClick={() => setParam("folder", "")} aria-current={folder ? undefined : "page"}>
          All prompts
        </button>
        {crumbs.map((part, i) => (
          <span key={i}>
            {" / "}
            <button
              type="button"
              className="link"
              aria-current={i === crumbs.length - 1 ? "page" : undefined}
              onClick={() => setParam("folder", crumbs.slice(0, i + 1).join("/"))}
            >
              {part}
            </button>
          </span>
        ))}
      </nav>
      <div className="toolbar">
        <label htmlFor="prompt-search">Search</label>
        <input
          id="prompt-search"
          type="search"
          placeholder="Name or description"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <label htmlFor="prompt-tag">Tag</label>
        <select id="prompt-tag" value={tag} onChange={(e) => setParam("tag", e.target.value)}>
          <option value="">any</option>
          {tags.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        {loading && <span className="muted">Loading…</span>}
      </div>
      {error && <p role="alert" className="error">{error}</p>}
      {data && data.length === 0 && !filtered && (
        <div className="empty">
          <h2>{folder ? `No prompts in ${folder}/` : "No prompts in this project yet"}</h2>
          <p>
            Create one with the “New prompt” button above, or with the SDK or the API: <code>POST /api/v1/prompts</code> with{" "}
            <code>{'{"name": "greeting", "type": "text", "template": "Hello {{name}}"}'}</code>.
          </p>
        </div>
      )}
      {data && data.length === 0 && filtered && (
        <p className="empty">
          No prompt matches {query && <>“{query}”</>} {tag && <>with tag “{tag}”</>}. Clear the search or pick another tag.
        </p>
      )}
      {(view.folders.length > 0 || view.prompts.length > 0) && (
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
            {view.folders.map((f) => (
              <tr key={f.path} className="folder-row">
                <td colSpan={5}>
                  <button type="button" className="link" onClick={() => setParam("folder", f.path)}>
                    <span aria-hidden="true" className="folder-mark">▸ </span>
                    {f.name}/
                  </button>{" "}
                  <span className="muted small">
                    {f.count} prompt{f.count === 1 ? "" : "s"}
                  </span>
                </td>
              </tr>
            ))}
            <PromptRows prompts={view.prompts} onTag={(t) => setParam("tag", t)} />
          </tbody>
        </table>
      )}
      {prompts.length >= 1000 && (
        <p className="muted small">Showing the first 1000 prompts; search or open a folder to narrow them down.</p>
      )}
    </>
  );
}
