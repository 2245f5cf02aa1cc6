import { Link, useParams } from "react-router-dom";
import { trackingApi, type AliasMove, type ModelDetail as Model, type ModelGate } from "../../api/tracking";
import { LineageLink } from "../../components/LineageLink";
import { formatTime } from "../../lib/format";
import { useAsync } from "../../lib/useAsync";

const version = (n: number | null) => (n === null ? "none" : `v${n}`);

function Versions({ model }: { model: Model }) {
  if (model.versions.length === 0)
    return <p className="empty">No versions yet. Add one with mlflow.register_model("runs:/&lt;run_id&gt;/model", "{model.name}").</p>;
  return (
    <table className="table versions-table">
      <thead>
        <tr>
          <th scope="col">Version</th>
          <th scope="col">Stage</th>
          <th scope="col">Status</th>
          <th scope="col">Aliases</th>
          <th scope="col">Source run</th>
          <th scope="col">Registered</th>
          <th scope="col">By</th>
          <th scope="col">Lineage</th>
        </tr>
      </thead>
      <tbody>
        {model.versions.map((v) => (
          <tr key={v.version} data-version={v.version}>
            <th scope="row">Version {v.version}</th>
            <td>{v.current_stage}</td>
            <td className={`status-${v.status.toLowerCase()}`}>{v.status}</td>
            <td>
              {v.aliases.map((alias) => (
                <span key={alias} className="tag label">
                  @{alias}
                </span>
              ))}
            </td>
            <td>
              {v.run_id ? (
                <Link to={`/experiments/runs/${encodeURIComponent(v.run_id)}`}>
                  <code>{v.run_id.slice(0, 12)}</code>
                </Link>
              ) : (
                <span className="muted ellipsis" title={v.source}>
                  {v.source || "–"}
                </span>
              )}
            </td>
            <td>{formatTime(v.created_at)}</td>
            <td>{v.user_id || "–"}</td>
            <td>
              <LineageLink kind="model_version" nodeRef={v.lineage_ref}>
                Lineage <span className="sr-only">of version {v.version}</span>
              </LineageLink>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Each alias with where it points now and every move it made, oldest first. */
export function Aliases({ model }: { model: Model }) {
  const names = [...new Set([...model.aliases.map((a) => a.alias), ...model.alias_history.map((m) => m.alias)])].sort();
  if (names.length === 0)
    return <p className="empty">No aliases. Point one at a version with MlflowClient().set_registered_model_alias(name, alias, version).</p>;
  const byAlias = new Map<string, AliasMove[]>();
  for (const move of model.alias_history) byAlias.set(move.alias, [...(byAlias.get(move.alias) ?? []), move]);
  return (
    <>
      {names.map((alias) => {
        const now = model.aliases.find((a) => a.alias === alias);
        const moves = byAlias.get(alias) ?? [];
        return (
          <section key={alias} className="alias-block" aria-label={`Alias ${alias}`}>
            <h3>
              @{alias} <span className="muted">→ {now ? `version ${now.version}` : "deleted"}</span>
            </h3>
            {moves.length === 0 ? (
              <p className="muted small">No recorded moves.</p>
            ) : (
              <ol className="alias-history">
                {moves.map((move, i) => (
                  <li key={i}>
                    {move.to_version === null ? (
                      <>deleted (was {version(move.from_version)})</>
                    ) : (
                      <>
                        {version(move.from_version)} → <strong>{version(move.to_version)}</strong>
                      </>
                    )}{" "}
                    <span className="muted">
                      by {move.moved_by || "unknown"} at {formatTime(move.moved_at)}
                    </span>
                    {move.gate_checks.length > 0 && (
                      <span className="badge" title={move.gate_checks.join("\n")}>
                        gate {move.gate_passed ? "passed" : "not passed"}
                      </span>
                    )}
                  </li>
                ))}
              </ol>
            )}
          </section>
        );
      })}
    </>
  );
}

function StageHistory({ model }: { model: Model }) {
  if (model.stage_history.length === 0)
    return <p className="empty">No stage transitions yet. Use MlflowClient().transition_model_version_stage(name, version, stage).</p>;
  return (
    <table className="table stage-history">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Version</th>
          <th scope="col">From</th>
          <th scope="col">To</th>
          <th scope="col">By</th>
          <th scope="col">Note</th>
        </tr>
      </thead>
      <tbody>
        {model.stage_history.map((t, i) => (
          <tr key={i}>
            <td>{formatTime(t.transitioned_at)}</td>
            <td>v{t.version}</td>
            <td>{t.from_stage}</td>
            <td>{t.to_stage}</td>
            <td>{t.transitioned_by || "unknown"}</td>
            <td className="small">
              {t.caused_by_version !== null && `archived when v${t.caused_by_version} entered ${t.from_stage}`}
              {t.gate_checks.length > 0 && ` gate: ${t.gate_checks.join("; ")}`}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function bound(gate: ModelGate): string[] {
  return gate.metrics.map((m) =>
    [m.min !== undefined ? `${m.min} ≤` : "", m.key, m.max !== undefined ? `≤ ${m.max}` : ""].filter(Boolean).join(" "),
  );
}

function Gates({ gates }: { gates: ModelGate[] }) {
  if (gates.length === 0)
    return <p className="empty">No gates. Set one with PUT /api/v1/models/&lt;model&gt;/gates to require metrics or passed evaluation suites before an alias or stage moves.</p>;
  return (
    <table className="table">
      <thead>
        <tr>
          <th scope="col">Guards</th>
          <th scope="col">Metric bounds (source run)</th>
          <th scope="col">Suites that must pass</th>
          <th scope="col">Set by</th>
        </tr>
      </thead>
      <tbody>
        {gates.map((gate) => (
          <tr key={`${gate.alias ?? ""}|${gate.stage ?? ""}`}>
            <td>{gate.alias ? `alias @${gate.alias}` : `stage ${gate.stage}`}</td>
            <td>{bound(gate).join(", ") || "–"}</td>
            <td>{gate.suites.join(", ") || "–"}</td>
            <td>
              {gate.updated_by || "–"}
              {gate.updated_at && <span className="muted small"> {formatTime(gate.updated_at)}</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ModelView({ model }: { model: Model }) {
  const tags = Object.entries(model.tags);
  return (
    <section>
      <p className="crumbs">
        <Link to="/models">Models</Link> /
      </p>
      <h1>{model.name}</h1>
      {model.description && <p>{model.description}</p>}
      {tags.length > 0 && (
        <p>
          {tags.map(([key, value]) => (
            <span key={key} className="tag">
              {key}: {value}
            </span>
          ))}
        </p>
      )}
      <h2>Versions</h2>
      <Versions model={model} />
      <div className="tracking-cols">
        <section aria-labelledby="aliases-heading">
          <h2 id="aliases-heading">Aliases</h2>
          <Aliases model={model} />
        </section>
        <section aria-labelledby="stages-heading">
          <h2 id="stages-heading">Stage history</h2>
          <StageHistory model={model} />
        </section>
      </div>
      <h2>Gates</h2>
      <Gates gates={model.gates} />
    </section>
  );
}

export function ModelDetail() {
  const params = useParams();
  const name = params["*"] ?? "";
  const { data, error, loading } = useAsync(() => trackingApi.model(name), [name]);
  if (error)
    return (
      <p role="alert" className="error">
        Could not load model {name}: {error}. <Link to="/models">Back to models</Link>
      </p>
    );
  if (loading || !data) return <p className="muted">Loading model…</p>;
  return <ModelView model={data} />;
}
