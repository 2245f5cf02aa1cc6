import { useState, type FormEvent } from "react";
import { evaluationApi } from "../../api/evaluation";
import { formatTime } from "../../lib/format";
import { Alert, FormError } from "../../components/FormErrors";
import { useManagedList } from "./useManagedList";

/** OpenAI-compatible endpoints that suites call. Keys are write-only: the server never returns them. */
export function Connections() {
  const { list, reload, remove, deleteError } = useManagedList(() => evaluationApi.connections());
  const [name, setName] = useState("");
  const [baseUrl, setBaseUrl] = useState("");
  const [models, setModels] = useState("");
  const [apiKey, setApiKey] = useState("");
  const [concurrency, setConcurrency] = useState("8");
  const [timeout, setTimeoutSeconds] = useState("60");
  const [problem, setProblem] = useState<unknown>(null);

  async function save(e: FormEvent) {
    e.preventDefault();
    setProblem(null);
    try {
      await evaluationApi.saveConnection({
        name: name.trim(),
        base_url: baseUrl.trim(),
        model_names: models.split(",").map((m) => m.trim()).filter(Boolean),
        // Blank keeps the stored key when updating a connection.
        api_key: apiKey ? apiKey : null,
        concurrency: Number(concurrency),
        timeout_seconds: Number(timeout),
      });
      setApiKey("");
      reload();
    } catch (err) {
      setProblem(err);
    }
  }

  return (
    <>
      <h1>Provider connections</h1>
      <form className="inline-form" onSubmit={(e) => void save(e)} aria-label="Save a connection">
        <label>
          Connection name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label className="grow">
          Base URL
          <input type="url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} placeholder="https://host/v1" required />
        </label>
        <label>
          Models (comma-separated)
          <input value={models} onChange={(e) => setModels(e.target.value)} />
        </label>
        <label>
          API key
          <input type="password" autoComplete="off" value={apiKey} onChange={(e) => setApiKey(e.target.value)} placeholder="blank keeps the stored key" />
        </label>
        <label>
          Concurrency
          <input type="number" min={1} max={1024} value={concurrency} onChange={(e) => setConcurrency(e.target.value)} />
        </label>
        <label>
          Timeout (s)
          <input type="number" min={0.1} step="any" value={timeout} onChange={(e) => setTimeoutSeconds(e.target.value)} />
        </label>
        <button type="submit" className="primary">
          Save connection
        </button>
      </form>
      <FormError error={problem} />
      <Alert message={deleteError} />
      <Alert message={list.error} />
      {list.data && list.data.length === 0 && (
        <p className="empty">No connections yet. Add an OpenAI-compatible endpoint above (or POST /api/v1/connections); suites and judges call models through it.</p>
      )}
      {list.data && list.data.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Base URL</th>
              <th>Models</th>
              <th>API key</th>
              <th className="num">Concurrency</th>
              <th className="num">Timeout</th>
              <th>Created</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((c) => (
              <tr key={c.name}>
                <td>{c.name}</td>
                <td>
                  <code>{c.base_url}</code>
                </td>
                <td>{c.model_names.join(", ") || <span className="muted">any</span>}</td>
                <td>{c.has_api_key ? "stored (hidden)" : <span className="muted">none</span>}</td>
                <td className="num">{c.concurrency}</td>
                <td className="num">{c.timeout_seconds} s</td>
                <td>{formatTime(c.created_at)}</td>
                <td>
                  <button type="button" onClick={() => void remove(`Delete connection ${c.name}?`, () => evaluationApi.deleteConnection(c.name))} aria-label={`Delete connection ${c.name}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
