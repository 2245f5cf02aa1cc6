import { useState, type FormEvent } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { trackingApi, type MlflowRun } from "../../api/tracking";
import { useAsync } from "../../lib/useAsync";
import { Pager, usePageTokens } from "./Pager";
import { formatEpochMs, formatMetric, runDuration } from "./runFormat";

const DEFAULT_ORDER = "attributes.start_time DESC";

/** A key as MLflow's search syntax wants it: bare when it is a plain word, else in backticks. */
export function searchKey(entity: string, key: string): string {
  return /^[A-Za-z_][\w]*$/.test(key) ? `${entity}.${key}` : `${entity}.\`${key}\``;
}

function SortHeader({
  label,
  field,
  order,
  onSort,
}: {
  label: string;
  field: string;
  order: string;
  onSort: (order: string) => void;
}) {
  const [current, direction] = [order.replace(/ (ASC|DESC)$/, ""), order.endsWith(" ASC") ? "ASC" : "DESC"];
  const active = current === field;
  const next = active && direction === "DESC" ? "ASC" : "DESC";
  return (
    <th scope="col" aria-sort={active ? (direction === "ASC" ? "ascending" : "descending") : "none"}>
      <button type="button" className="sort" onClick={() => onSort(`${field} ${next}`)}>
        {label}
        <span aria-hidden="true">{active ? (direction === "ASC" ? " ▲" : " ▼") : ""}</span>
      </button>
    </th>
  );
}

export function RunsTable({
  runs,
  order,
  onSort,
  selected,
  onToggle,
}: {
  runs: MlflowRun[];
  order: string;
  onSort: (order: string) => void;
  selected: Set<string>;
  onToggle: (runId: string) => void;
}) {
  const paramKeys = [...new Set(runs.flatMap((r) => r.data.params.map((p) => p.key)))].sort();
  const metricKeys = [...new Set(runs.flatMap((r) => r.data.metrics.map((m) => m.key)))].sort();
  const sortable = (label: string, field: string) => (
    <SortHeader key={field} label={label} field={field} order={order} onSort={onSort} />
  );
  return (
    <div className="tracking-scroll">
      <table className="table runs-table">
        <thead>
          <tr>
            <th scope="col">
              <span className="sr-only">Select for comparison</span>
            </th>
            {sortable("Run", "attributes.run_name")}
            {sortable("Status", "attributes.status")}
            {sortable("Started", "attributes.start_time")}
            <th scope="col">Duration</th>
            {sortable("User", "attributes.user_id")}
            {paramKeys.map((key) => sortable(key, searchKey("params", key)))}
            {metricKeys.map((key) => sortable(key, searchKey("metrics", key)))}
          </tr>
          <tr className="column-groups">
            <td colSpan={6} />
            {paramKeys.length > 0 && (
              <td colSpan={paramKeys.length} className="muted small">
                params
              </td>
            )}
            {metricKeys.length > 0 && (
              <td colSpan={metricKeys.length} className="muted small">
                metrics (latest)
              </td>
            )}
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => {
            const name = run.info.run_name || run.info.run_id;
            const params = new Map(run.data.params.map((p) => [p.key, p.value]));
            const metrics = new Map(run.data.metrics.map((m) => [m.key, m.value]));
            return (
              <tr key={run.info.run_id} data-run={name}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Compare ${name}`}
                    checked={selected.has(run.info.run_id)}
                    onChange={() => onToggle(run.info.run_id)}
                  />
                </td>
                <td>
                  <Link to={`/experiments/runs/${run.info.run_id}`}>{name}</Link>
                </td>
                <td className={`status-${run.info.status.toLowerCase()}`}>{run.info.status}</td>
                <td>{formatEpochMs(run.info.start_time)}</td>
                <td className="num">{runDuration(run.info)}</td>
                <td>{run.info.user_id || "–"}</td>
                {paramKeys.map((key) => (
                  <td key={`p-${key}`} className="ellipsis" title={params.get(key)}>
                    {params.get(key) ?? "–"}
                  </td>
                ))}
                {metricKeys.map((key) => (
                  <td key={`m-${key}`} className="num">
                    {formatMetric(metrics.get(key))}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function ExperimentDetail() {
  const { experimentId = "" } = useParams();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const filter = params.get("filter") ?? "";
  const order = params.get("order") ?? DEFAULT_ORDER;
  const [draft, setDraft] = useState(filter);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const pages = usePageTokens(`${experimentId}|${filter}|${order}`);
  const experiment = useAsync(() => trackingApi.experiment(experimentId), [experimentId]);
  const runs = useAsync(
    () => trackingApi.runs({ experimentIds: [experimentId], filter, orderBy: [order], pageToken: pages.token }),
    [experimentId, filter, order, pages.token],
  );

  function update(changes: Record<string, string>) {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next);
  }

  function search(e: FormEvent) {
    e.preventDefault();
    update({ filter: draft.trim() });
  }

  function toggle(runId: string) {
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(runId)) next.delete(runId);
      else next.add(runId);
      return next;
    });
  }

  const name = experiment.data?.experiment.name ?? `Experiment ${experimentId}`;
  const list = runs.data?.runs ?? [];
  return (
    <section>
      <p className="crumbs">
        <Link to="/experiments">Experiments</Link> /
      </p>
      <h1>{name}</h1>
      {experiment.error && <p role="alert" className="error">{experiment.error}</p>}
      <form className="toolbar" onSubmit={search} role="search">
        <label htmlFor="run-filter">Filter runs</label>
        <input
          id="run-filter"
          className="run-filter"
          value={draft}
          placeholder="metrics.loss < 0.5 and params.lr = '0.01'"
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Search</button>
        {filter && (
          <button
            type="button"
            onClick={() => {
              setDraft("");
              update({ filter: "" });
            }}
          >
            Clear filter
          </button>
        )}
        <span className="spacer" />
        <button
          type="button"
          className="primary"
          disabled={selected.size < 2}
          onClick={() =>
            navigate(`/experiments/${experimentId}/compare?${new URLSearchParams({ runs: [...selected].join(",") })}`)
          }
        >
          Compare selected ({selected.size})
        </button>
      </form>
      <p className="muted small">
        MLflow's search syntax: <code>metrics.loss &lt; 0.5</code>, <code>params.model = 'gpt-4o'</code>,{" "}
        <code>tags.team = 'nlp'</code>, <code>attributes.status = 'FINISHED'</code>, joined with <code>and</code>.
      </p>
      {runs.error && <p role="alert" className="error">Could not search runs: {runs.error}</p>}
      {runs.loading && !runs.data && <p className="muted">Loading runs…</p>}
      {runs.data && list.length === 0 && (
        <p className="empty">
          {filter
            ? "No run matches this filter. Loosen it or clear it."
            : "No runs in this experiment yet. Start one with mlflow.start_run() while this experiment is set."}
        </p>
      )}
      {list.length > 0 && (
        <RunsTable
          runs={list}
          order={order}
          onSort={(next) => update({ order: next === DEFAULT_ORDER ? "" : next })}
          selected={selected}
          onToggle={toggle}
        />
      )}
      <Pager
        what="Run"
        page={pages.page}
        nextToken={runs.data?.next_page_token}
        onNext={pages.next}
        onPrevious={pages.previous}
      />
    </section>
  );
}
