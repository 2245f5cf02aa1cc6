import { Link } from "react-router-dom";
import { trackingApi } from "../../api/tracking";
import { useAsync } from "../../lib/useAsync";
import { NameSearch, useNameParam } from "./NameSearch";
import { Pager, usePageTokens } from "./Pager";
import { formatEpochMs } from "./runFormat";

export function ModelsList() {
  const name = useNameParam();
  const pages = usePageTokens(name);
  const { data, error, loading } = useAsync(
    () => trackingApi.registeredModels({ name, pageToken: pages.token }),
    [name, pages.token],
  );

  const models = data?.registered_models ?? [];
  return (
    <section>
      <h1>Registered models</h1>
      <NameSearch id="model-name" />
      {error && <p role="alert" className="error">Could not load models: {error}</p>}
      {loading && !data && <p className="muted">Loading models…</p>}
      {data && models.length === 0 && (
        <p className="empty">
          {name
            ? `No model's name contains "${name}".`
            : "No registered models yet. Register one with mlflow.register_model(...) or MlflowClient().create_registered_model(name)."}
        </p>
      )}
      {models.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Latest versions by stage</th>
              <th scope="col">Aliases</th>
              <th scope="col">Last updated</th>
            </tr>
          </thead>
          <tbody>
            {models.map((model) => (
              <tr key={model.name}>
                <td>
                  <Link to={`/models/${encodeURIComponent(model.name)}`}>{model.name}</Link>
                  {model.description && <div className="muted small">{model.description}</div>}
                </td>
                <td>
                  {(model.latest_versions ?? []).map((v) => (
                    <span key={v.version} className="tag">
                      v{v.version} {v.current_stage}
                    </span>
                  ))}
                  {(model.latest_versions ?? []).length === 0 && <span className="muted">no versions</span>}
                </td>
                <td>
                  {model.aliases.map((a) => (
                    <span key={a.alias} className="tag label">
                      @{a.alias} → v{a.version}
                    </span>
                  ))}
                </td>
                <td>{formatEpochMs(model.last_updated_timestamp)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager
        what="Model"
        page={pages.page}
        nextToken={data?.next_page_token}
        onNext={pages.next}
        onPrevious={pages.previous}
      />
    </section>
  );
}
