import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { lineageApi, NODE_KINDS, type GraphNode, type LineageNode } from "../../api/lineage";
import { useAsync } from "../../lib/useAsync";
import { LineageGraph } from "./LineageGraph";
import { kindLabel, nodeName, nodePage } from "./nodeLinks";

const DEPTHS = [1, 2, 3, 4, 5];

function NodePicker({ onPick }: { onPick: (node: LineageNode) => void }) {
  const [kind, setKind] = useState("");
  const [text, setText] = useState("");
  const [query, setQuery] = useState({ kind: "", q: "" });
  const [cursors, setCursors] = useState<(number | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const { data, error, loading } = useAsync(
    () => lineageApi.nodes({ kind: query.kind || undefined, q: query.q || undefined, cursor }),
    [query.kind, query.q, cursor],
  );

  function search(e: FormEvent) {
    e.preventDefault();
    setQuery({ kind, q: text.trim() });
    setCursors([null]);
  }

  const items = data?.items ?? [];
  return (
    <section className="lineage-picker" aria-labelledby="picker-heading">
      <h2 id="picker-heading">Choose a starting point</h2>
      <form className="toolbar" onSubmit={search} role="search">
        <label htmlFor="lineage-kind">Kind</label>
        <select id="lineage-kind" value={kind} onChange={(e) => setKind(e.target.value)}>
          <option value="">Any</option>
          {NODE_KINDS.map((k) => (
            <option key={k} value={k}>
              {kindLabel(k)}
            </option>
          ))}
        </select>
        <label htmlFor="lineage-search">Name contains</label>
        <input id="lineage-search" value={text} onChange={(e) => setText(e.target.value)} placeholder="support/answer v3" />
        <button type="submit">Find nodes</button>
      </form>
      {error && <p role="alert" className="error">Could not list nodes: {error}</p>}
      {loading && !data && <p className="muted">Loading nodes…</p>}
      {data && items.length === 0 && (
        <p className="empty">
          {query.q || query.kind
            ? "No node matches. Try a shorter name or any kind."
            : "The lineage graph is empty. It fills as prompt versions, datasets, evaluation runs and model versions are created."}
        </p>
      )}
      {items.length > 0 && (
        <ul className="lineage-node-list">
          {items.map((node) => (
            <li key={node.id}>
              <button type="button" onClick={() => onPick(node)}>
                {nodeName(node)}
              </button>{" "}
              <span className="muted small">{kindLabel(node.kind)}</span>
            </li>
          ))}
        </ul>
      )}
      <p className="toolbar">
        {cursors.length > 1 && (
          <button type="button" onClick={() => setCursors(cursors.slice(0, -1))}>
            Newer nodes
          </button>
        )}
        {data?.next_cursor && (
          <button type="button" onClick={() => setCursors([...cursors, data.next_cursor])}>
            Older nodes
          </button>
        )}
      </p>
    </section>
  );
}

function Focused({ kind, nodeRef, depth }: { kind: string; nodeRef: string; depth: number }) {
  const [, setParams] = useSearchParams();
  const { data, error, loading } = useAsync(() => lineageApi.graph(kind, nodeRef, depth), [kind, nodeRef, depth]);
  const focusOn = (node: GraphNode) =>
    setParams({ kind: node.kind, ref: node.ref, ...(depth !== 2 ? { depth: String(depth) } : {}) });
  if (error)
    return (
      <p role="alert" className="error">
        {error} Pick another node below.
      </p>
    );
  if (loading || !data) return <p className="muted">Loading the graph…</p>;
  const page = nodePage(data.root);
  return (
    <>
      <h2 className="lineage-focus">
        Focus: <span className={`swatch-kind kind-${data.root.kind}`} aria-hidden="true" /> {kindLabel(data.root.kind)}{" "}
        {nodeName(data.root)} {page && <Link to={page}>Open its page</Link>}
      </h2>
      <LineageGraph graph={data} onFocus={focusOn} />
    </>
  );
}

export function LineagePage() {
  const [params, setParams] = useSearchParams();
  const kind = params.get("kind") ?? "";
  const nodeRef = params.get("ref") ?? "";
  const depth = Number(params.get("depth") ?? "2") || 2;
  const pick = (node: LineageNode) => setParams({ kind: node.kind, ref: node.ref });
  return (
    <section>
      <h1>Lineage</h1>
      <p className="muted">
        Where things came from and what was built from them. Upstream is on the left, downstream on the right; select a
        node to centre the graph on it.
      </p>
      {kind && nodeRef && (
        <>
          <p className="toolbar">
            <label htmlFor="lineage-depth">Depth</label>
            <select
              id="lineage-depth"
              value={depth}
              onChange={(e) => {
                const next = new URLSearchParams(params);
                next.set("depth", e.target.value);
                setParams(next);
              }}
            >
              {DEPTHS.map((d) => (
                <option key={d} value={d}>
                  {d} {d === 1 ? "step" : "steps"}
                </option>
              ))}
            </select>
          </p>
          <Focused kind={kind} nodeRef={nodeRef} depth={depth} />
        </>
      )}
      <NodePicker onPick={pick} />
    </section>
  );
}
