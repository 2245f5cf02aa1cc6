import { useMemo, type KeyboardEvent } from "react";
import { Link } from "react-router-dom";
import type { Graph, GraphNode } from "../../api/lineage";
import { layoutGraph, NODE_HEIGHT, NODE_WIDTH, type PlacedEdge } from "./lineageLayout";
import { kindLabel, nodeName, nodePage } from "./nodeLinks";

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function edgePath({ from, to }: PlacedEdge): string {
  const x1 = from.x + NODE_WIDTH;
  const y1 = from.y + NODE_HEIGHT / 2;
  const x2 = to.x;
  const y2 = to.y + NODE_HEIGHT / 2;
  const bend = Math.max(40, Math.abs(x2 - x1) / 2);
  return `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`;
}

/**
 * The graph around the focus in layers. Every node is a focusable button: a click, Enter or
 * Space centres the view on it.
 */
export function LineageGraph({ graph, onFocus }: { graph: Graph; onFocus: (node: GraphNode) => void }) {
  const layout = useMemo(() => layoutGraph(graph), [graph]);
  const names = new Map(graph.nodes.map((n) => [n.id, nodeName(n)]));
  const key = (e: KeyboardEvent, node: GraphNode) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      onFocus(node);
    }
  };
  return (
    <>
      <div className="lineage-canvas">
        <svg
          viewBox={`0 0 ${layout.width} ${layout.height}`}
          width={layout.width}
          height={layout.height}
          role="group"
          aria-label={`Lineage around ${nodeName(graph.root)}: upstream on the left, downstream on the right`}
        >
          <defs>
            <marker id="lineage-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">
              <path d="M0,0 L10,5 L0,10 z" className="lineage-arrowhead" />
            </marker>
          </defs>
          {layout.edges.map((placed) => {
            const midX = (placed.from.x + NODE_WIDTH + placed.to.x) / 2;
            const midY = (placed.from.y + placed.to.y + NODE_HEIGHT) / 2;
            return (
              <g key={placed.edge.id} className={`lineage-edge edge-${placed.edge.kind}`} aria-hidden="true">
                <path d={edgePath(placed)} markerEnd="url(#lineage-arrow)" />
                <text x={midX} y={midY - 4} textAnchor="middle" className="lineage-edge-label">
                  {placed.edge.kind.replace(/_/g, " ")}
                </text>
              </g>
            );
          })}
          {layout.nodes.map(({ node, x, y, layer }) => {
            const focus = node.id === graph.root.id;
            const name = nodeName(node);
            return (
              <g
                key={node.id}
                transform={`translate(${x},${y})`}
                className={`lineage-node kind-${node.kind}${focus ? " focus" : ""}`}
                role="button"
                tabIndex={0}
                data-node={name}
                aria-current={focus ? "true" : undefined}
                aria-label={`${kindLabel(node.kind)} ${name}${focus ? " (focus)" : layer < 0 ? " (upstream)" : " (downstream)"}`}
                onClick={() => onFocus(node)}
                onKeyDown={(e) => key(e, node)}
              >
                <title>{`${kindLabel(node.kind)}: ${name}`}</title>
                <rect width={NODE_WIDTH} height={NODE_HEIGHT} rx={8} />
                <text x={10} y={16} className="lineage-kind">
                  {kindLabel(node.kind)}
                </text>
                <text x={10} y={34} className="lineage-name">
                  {clip(name, 24)}
                </text>
              </g>
            );
          })}
        </svg>
      </div>
      <div className="tracking-cols">
        <section aria-labelledby="lineage-nodes-heading">
          <h2 id="lineage-nodes-heading">Nodes</h2>
          <ul className="lineage-node-list">
            {[...layout.nodes]
              .sort((a, b) => a.layer - b.layer)
              .map(({ node, layer }) => {
                const page = nodePage(node);
                return (
                  <li key={node.id}>
                    <span className={`swatch-kind kind-${node.kind}`} aria-hidden="true" />
                    <span className="muted small">{layer === 0 ? "focus" : layer < 0 ? `upstream ${-layer}` : `downstream ${layer}`}</span>{" "}
                    {kindLabel(node.kind)} <strong>{names.get(node.id)}</strong>{" "}
                    {node.id !== graph.root.id && (
                      <button type="button" onClick={() => onFocus(node)}>
                        Centre on <span className="sr-only">{names.get(node.id)}</span>
                        <span aria-hidden="true">it</span>
                      </button>
                    )}{" "}
                    {page && (
                      <Link to={page}>
                        Open page <span className="sr-only">of {names.get(node.id)}</span>
                      </Link>
                    )}
                  </li>
                );
              })}
          </ul>
        </section>
        <section aria-labelledby="lineage-edges-heading">
          <h2 id="lineage-edges-heading">Edges</h2>
          {graph.edges.length === 0 ? (
            <p className="empty">Nothing is recorded upstream or downstream of this node yet.</p>
          ) : (
            <table className="table lineage-edges">
              <thead>
                <tr>
                  <th scope="col">Upstream</th>
                  <th scope="col">Relation</th>
                  <th scope="col">Downstream</th>
                </tr>
              </thead>
              <tbody>
                {graph.edges.map((edge) => (
                  <tr key={edge.id}>
                    <td>{names.get(edge.source) ?? edge.source}</td>
                    <td>{edge.kind.replace(/_/g, " ")}</td>
                    <td>{names.get(edge.target) ?? edge.target}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </>
  );
}
