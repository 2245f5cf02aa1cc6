import { useState, type FormEvent } from "react";
import { evaluationApi } from "../../api/evaluation";
import { formatTime } from "../../lib/format";
import { Alert, FormError } from "../../components/FormErrors";
import { checkEvaluators, parseJson } from "./jsonFields";
import { useManagedList } from "./useManagedList";

/** Evaluators run on a sample of newly ingested traces; their verdicts become trace scores. */
export function OnlineRules() {
  const { list, reload, remove, deleteError } = useManagedList(() => evaluationApi.rules());
  const [name, setName] = useState("");
  const [filter, setFilter] = useState("{}");
  const [rate, setRate] = useState("1");
  const [evaluators, setEvaluators] = useState('[{"type": "json_valid"}]');
  const [enabled, setEnabled] = useState(true);
  const [problem, setProblem] = useState<unknown>(null);

  async function save(e: FormEvent) {
    e.preventDefault();
    const parsedFilter = parseJson(filter.trim() || "{}");
    const parsedEvaluators = parseJson(evaluators);
    if (!parsedFilter.ok) return setProblem(new Error(`Filter: ${parsedFilter.error}`));
    if (!parsedEvaluators.ok) return setProblem(new Error(`Evaluators: ${parsedEvaluators.error}`));
    const checked = checkEvaluators(parsedEvaluators.value);
    if (checked.error) return setProblem(new Error(`Evaluators: ${checked.error}`));
    setProblem(null);
    try {
      await evaluationApi.saveRule({ name: name.trim(), filter: parsedFilter.value, sampling_rate: Number(rate), evaluators: parsedEvaluators.value, enabled });
      reload();
    } catch (err) {
      setProblem(err);
    }
  }

  return (
    <>
      <h1>Online evaluation rules</h1>
      <form className="editor" onSubmit={(e) => void save(e)} aria-label="Save a rule">
        <div className="form-row">
          <label>
            Rule name
            <input value={name} onChange={(e) => setName(e.target.value)} required />
          </label>
          <label>
            Sampling rate (0–1)
            <input type="number" min={0} max={1} step="any" value={rate} onChange={(e) => setRate(e.target.value)} />
          </label>
          <label className="inline-check">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
          </label>
        </div>
        <div className="editor-cols">
          <label>
            Trace filter (JSON, as the trace list takes it)
            <textarea rows={4} spellCheck={false} value={filter} onChange={(e) => setFilter(e.target.value)} placeholder='{"name": "chat", "tags": ["prod"]}' />
          </label>
          <label>
            Evaluators (JSON list)
            <textarea rows={4} spellCheck={false} value={evaluators} onChange={(e) => setEvaluators(e.target.value)} />
          </label>
        </div>
        <FormError error={problem} />
        <button type="submit" className="primary">
          Save rule
        </button>
      </form>
      <Alert message={deleteError} />
      <Alert message={list.error} />
      {list.data && list.data.length === 0 && (
        <p className="empty">No online rules yet. Save one above (or POST /api/v1/online-rules) to score a sample of incoming traces.</p>
      )}
      {list.data && list.data.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Filter</th>
              <th className="num">Sampling</th>
              <th>Evaluators</th>
              <th>Enabled</th>
              <th>Created</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((r) => (
              <tr key={r.name}>
                <td>{r.name}</td>
                <td>
                  <code className="small">{JSON.stringify(r.filter)}</code>
                </td>
                <td className="num">{Math.round(r.sampling_rate * 100)}%</td>
                <td>
                  <code className="small">{JSON.stringify(r.evaluators)}</code>
                </td>
                <td>{r.enabled ? "yes" : "no"}</td>
                <td>{formatTime(r.created_at)}</td>
                <td>
                  <button type="button" onClick={() => void remove(`Delete rule ${r.name}?`, () => evaluationApi.deleteRule(r.name))} aria-label={`Delete rule ${r.name}`}>
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
