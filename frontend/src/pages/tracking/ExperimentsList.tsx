import { Link } from "react-router-dom";
import { trackingApi } from "../../api/tracking";
import { useAsync } from "../../lib/useAsync";
import { NameSearch, useNameParam } from "./NameSearch";
import { Pager, usePageTokens } from "./Pager";
import { formatEpochMs } from "./runFormat";

export function ExperimentsList() {
  const name = useNameParam();
  const pages = usePageTokens(name);
  const { data, error, loading } = useAsync(
    () => trackingApi.experiments({ name, pageToken: pages.token }),
    [name, pages.token],
  );

  const experiments = data?.experiments ?? [];
  return (
    <section>
      <h1>Experiments</h1>
      <NameSearch id="experiment-name" />
      {error && <p role="alert" className="error">Could not load experiments: {error}</p>}
      {loading && !data && <p className="muted">Loading experiments…</p>}
      {data && experiments.length === 0 && (
        <p className="empty">
          {name
            ? `No experiment's name contains "${name}".`
            : "No experiments yet. Log one with the mlflow client (mlflow.set_experiment(...)) pointed at this server."}
        </p>
      )}
      {experiments.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">ID</th>
              <th scope="col">Created</th>
              <th scope="col">Last updated</th>
            </tr>
          </thead>
          <tbody>
            {experiments.map((experiment) => (
              <tr key={experiment.experiment_id}>
                <td>
                  <Link to={`/experiments/${experiment.experiment_id}`}>{experiment.name}</Link>
                </td>
                <td>{experiment.experiment_id}</td>
                <td>{formatEpochMs(experiment.creation_time)}</td>
                <td>{formatEpochMs(experiment.last_update_time)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager
        what="Experiment"
        page={pages.page}
        nextToken={data?.next_page_token}
        onNext={pages.next}
        onPrevious={pages.previous}
      />
    </section>
  );
}
