import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { evaluationApi } from "../../api/evaluation";
import { formatTime } from "../../lib/format";
import { useAsync } from "../../lib/useAsync";
import { Alert, FormError } from "../../components/FormErrors";

export function Datasets() {
  const { data, error, loading } = useAsync(() => evaluationApi.datasets(), []);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const navigate = useNavigate();

  async function create(e: FormEvent) {
    e.preventDefault();
    setSaving(true);
    setSaveError(null);
    try {
      const created = await evaluationApi.createDataset(name.trim(), description);
      navigate(`/evaluations/datasets/${encodeURIComponent(created.name)}`);
    } catch (err) {
      setSaveError(err);
    } finally {
      setSaving(false);
    }
  }

  return (
    <>
      <h1>Datasets</h1>
      <form className="inline-form" onSubmit={(e) => void create(e)} aria-label="Create a dataset">
        <label>
          Dataset name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label className="grow">
          Description
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={saving || !name.trim()}>
          Create dataset
        </button>
      </form>
      <FormError error={saveError} />
      {loading && <p>Loading…</p>}
      <Alert message={error} />
      {data && data.length === 0 && (
        <p className="empty">No datasets yet. Create one with the form above or POST /api/v1/datasets, then add or import items.</p>
      )}
      {data && data.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Description</th>
              <th className="num">Latest version</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {data.map((d) => (
              <tr key={d.name}>
                <td>
                  <Link to={`/evaluations/datasets/${encodeURIComponent(d.name)}`}>{d.name}</Link>
                </td>
                <td>{d.description || <span className="muted">–</span>}</td>
                <td className="num">{d.latest_version ? `v${d.latest_version}` : "empty"}</td>
                <td>{formatTime(d.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
