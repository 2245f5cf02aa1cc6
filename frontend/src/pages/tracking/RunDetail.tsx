import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { downloadArtifact, trackingApi, type KeyValue, type MlflowRun } from "../../api/tracking";
import { LineageLink } from "../../components/LineageLink";
import { useAsync } from "../../lib/useAsync";
import { MetricCharts } from "./MetricCharts";
import { formatEpochMs, runDuration } from "./runFormat";
import { errorMessage } from "../../lib/errors";

function PairsTable({ caption, pairs, empty }: { caption: string; pairs: KeyValue[]; empty: string }) {
  if (pairs.length === 0) return <p className="empty">{empty}</p>;
  return (
    <table className="table pairs">
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Key</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {pairs.map((pair) => (
          <tr key={pair.key}>
            <th scope="row">{pair.key}</th>
            <td className="wrap">{pair.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function formatBytes(size: number | undefined): string {
  if (size === undefined) return "";
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

function Artifacts({ run }: { run: MlflowRun }) {
  const [path, setPath] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const { data, error, loading } = useAsync(() => trackingApi.artifacts(run.info.run_id, path), [run.info.run_id, path]);
  const files = data?.files ?? [];
  const parent = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
  return (
    <>
      {path && (
        <p className="toolbar">
          <span>
            In <code>{path}</code>
          </span>
          <button type="button" onClick={() => setPath(parent)}>
            Up one folder
          </button>
        </p>
      )}
      {error && <p role="alert" className="error">Could not list artifacts: {error}</p>}
      {problem && <p role="alert" className="error">{problem}</p>}
      {loading && !data && <p className="muted">Loading artifacts…</p>}
      {data && files.length === 0 && (
        <p className="empty">No artifacts here. Log files with mlflow.log_artifact(path) during the run.</p>
      )}
      {files.length > 0 && (
        <ul className="artifact-list">
          {files.map((file) => (
            <li key={file.path}>
              {file.is_dir ? (
                <button type="button" className="linkish" onClick={() => setPath(file.path)}>
                  📁 {file.path.split("/").pop()}/
                </button>
              ) : (
                <>
                  <span>{file.path.split("/").pop()}</span> <span className="muted small">{formatBytes(file.file_size)}</span>{" "}
                  <button
                    type="button"
                    onClick={() =>
                      downloadArtifact(run.info.artifact_uri, file.path).then(
                        () => setProblem(null),
                        (e: unknown) => setProblem(errorMessage(e)),
                      )
                    }
                  >
                    Download <span className="sr-only">{file.path}</span>
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function ProducedVersions({ runId }: { runId: string }) {
  const { data, error } = useAsync(() => trackingApi.versionsOfRun(runId), [runId]);
  if (error) return <p role="alert" className="error">Could not load model versions: {error}</p>;
  if (!data) return <p className="muted">Loading model versions…</p>;
  const versions = data.model_versions ?? [];
  if (versions.length === 0)
    return <p className="empty">No registered model version came from this run. Register one with mlflow.register_model("runs:/{runId}/model", name).</p>;
  return (
    <ul>
      {versions.map((v) => (
        <li key={`${v.name}@${v.version}`}>
          <Link to={`/models/${encodeURIComponent(v.name)}`}>
            {v.name} version {v.version}
          </Link>{" "}
          <span className="tag">{v.current_stage}</span>
          {v.aliases.map((alias) => (
            <span key={alias} className="tag label">
              @{alias}
            </span>
          ))}
        </li>
      ))}
    </ul>
  );
}

export function RunView({ run }: { run: MlflowRun }) {
  const info = run.info;
  const metrics = [...new Set(run.data.metrics.map((m) => m.key))].sort();
  const name = info.run_name || info.run_id;
  const experiment = useAsync(() => trackingApi.experiment(info.experiment_id), [info.experiment_id]);
  // mlflow.* tags are the client's bookkeeping; shown, but after the user's own.
  const tags = [...run.data.tags].sort(
    (a, b) => Number(a.key.startsWith("mlflow.")) - Number(b.key.startsWith("mlflow.")) || a.key.localeCompare(b.key),
  );
  return (
    <section>
      <p className="crumbs">
        <Link to="/experiments">Experiments</Link> / <Link to={`/experiments/${info.experiment_id}`}>
          {experiment.data?.experiment.name ?? `Experiment ${info.experiment_id}`}
        </Link>{" "}
        /
      </p>
      <h1>Run {name}</h1>
      <dl className="facts run-facts">
        <dt>Run ID</dt>
        <dd>
          <code>{info.run_id}</code>
        </dd>
        <dt>Status</dt>
        <dd className={`status-${info.status.toLowerCase()}`}>{info.status}</dd>
        <dt>Started</dt>
        <dd>{formatEpochMs(info.start_time)}</dd>
        <dt>Duration</dt>
        <dd>{runDuration(info)}</dd>
        <dt>User</dt>
        <dd>{info.user_id || "–"}</dd>
        <dt>Lineage</dt>
        <dd>
          <LineageLink kind="experiment_run" nodeRef={info.run_id}>
            What this run used and produced
          </LineageLink>
        </dd>
      </dl>
      <h2>Metrics</h2>
      <MetricCharts metrics={metrics} runs={[{ runId: info.run_id, name }]} />
      <div className="tracking-cols">
        <div>
          <h2>Parameters</h2>
          <PairsTable caption="Parameters" pairs={run.data.params} empty="No parameters logged." />
        </div>
        <div>
          <h2>Tags</h2>
          <PairsTable caption="Tags" pairs={tags} empty="No tags." />
        </div>
      </div>
      <h2>Artifacts</h2>
      <Artifacts run={run} />
      <h2>Registered model versions</h2>
      <ProducedVersions runId={info.run_id} />
    </section>
  );
}

export function RunDetail() {
  const { runId = "" } = useParams();
  const { data, error, loading } = useAsync(() => trackingApi.run(runId), [runId]);
  if (error)
    return (
      <p role="alert" className="error">
        Could not load run {runId}: {error}. <Link to="/experiments">Back to experiments</Link>
      </p>
    );
  if (loading || !data) return <p className="muted">Loading run…</p>;
  return <RunView run={data.run} />;
}
