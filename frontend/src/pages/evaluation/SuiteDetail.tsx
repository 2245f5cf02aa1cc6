import { useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { evaluationApi, type Suite } from "../../api/evaluation";
import { promptsApi } from "../../api/prompts";
import type { PromptVersion } from "../../api/types";
import { JsonBlock } from "../../components/JsonBlock";
import { formatTime, jsonText } from "../../lib/format";
import { useAsync } from "../../lib/useAsync";
import { Alert, FormError } from "../../components/FormErrors";
import { RunsTable } from "./RunsTable";
import { SuiteForm } from "./SuiteForm";
import { targetText } from "./Suites";
import { usePaged } from "../../lib/usePaged";

/** "label:<name>" and "version:<n>" choices, labels first, from the prompt's versions. */
export function runChoices(versions: PromptVersion[]): { value: string; text: string }[] {
  const labels = [...new Set(versions.flatMap((v) => v.labels ?? []))].sort();
  return [
    ...labels.map((label) => {
      const behind = versions.find((v) => v.labels?.includes(label));
      return { value: `label:${label}`, text: `label ${label}${behind ? ` (v${behind.number})` : ""}` };
    }),
    ...versions.map((v) => ({ value: `version:${v.number}`, text: `version ${v.number}${v.commit_message ? ` – ${v.commit_message}` : ""}` })),
  ];
}

function RunNow({ suite }: { suite: Suite }) {
  const prompt = suite.target.type === "prompt" ? jsonText(suite.target.prompt) : null;
  const versions = useAsync(() => (prompt ? promptsApi.versions(prompt) : Promise.resolve([] as PromptVersion[])), [prompt]);
  const choices = runChoices(versions.data ?? []);
  const [choice, setChoice] = useState("");
  const [problem, setProblem] = useState<unknown>(null);
  const [starting, setStarting] = useState(false);
  const navigate = useNavigate();
  const picked = choice || choices[0]?.value || "";

  async function start(e: FormEvent) {
    e.preventDefault();
    const [kind, value = ""] = picked.split(/:(.*)/s);
    setStarting(true);
    setProblem(null);
    try {
      const run = await evaluationApi.startRun(
        kind === "version" ? { suite: suite.name, version: Number(value) } : { suite: suite.name, label: value },
      );
      navigate(`/evaluations/runs/${run.id}`);
    } catch (err) {
      setProblem(err);
      setStarting(false);
    }
  }

  if (!prompt) {
    return (
      <p className="muted">
        This suite evaluates outputs the client sends: start its runs from CI with POST /api/v1/runs {"{"}"suite", "outputs"{"}"}.
      </p>
    );
  }
  return (
    <form className="inline-form" onSubmit={(e) => void start(e)} aria-label="Run now">
      <label>
        Prompt version to run
        <select value={picked} onChange={(e) => setChoice(e.target.value)}>
          {choices.map((c) => (
            <option key={c.value} value={c.value}>
              {c.text}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="primary" disabled={starting || !picked}>
        {starting ? "Starting…" : "Run now"}
      </button>
      {versions.error && <span className="error">{versions.error}</span>}
      <FormError error={problem} />
    </form>
  );
}

export function SuiteDetail() {
  const { name = "" } = useParams();
  const suite = useAsync(() => evaluationApi.suite(name), [name]);
  const runs = usePaged((cursor) => evaluationApi.runs({ suite: name, cursor, limit: 20 }), [name]);
  const [editing, setEditing] = useState(false);

  return (
    <>
      <p className="crumbs">
        <Link to="/evaluations/suites">Suites</Link> / {name}
      </p>
      <div className="toolbar">
        <h1>{name}</h1>
        {suite.data && (
          <button type="button" onClick={() => setEditing((e) => !e)} aria-expanded={editing}>
            {editing ? "Close editor" : "Edit suite"}
          </button>
        )}
      </div>
      {suite.loading && <p>Loading…</p>}
      <Alert message={suite.error} />
      {suite.data && (
        <>
          {editing && (
            <SuiteForm
              initial={suite.data}
              onSaved={(saved) => {
                suite.setData(saved);
                setEditing(false);
              }}
            />
          )}
          <RunNow suite={suite.data} />
          <dl className="facts suite-facts">
            <dt>Dataset</dt>
            <dd>
              <Link to={`/evaluations/datasets/${encodeURIComponent(suite.data.dataset)}`}>{suite.data.dataset}</Link>
            </dd>
            <dt>Target</dt>
            <dd>{targetText(suite.data.target)}</dd>
            <dt>Baseline</dt>
            <dd>
              runs of the version behind label <span className="tag label">{suite.data.baseline_label}</span>
            </dd>
            <dt>Updated</dt>
            <dd>{formatTime(suite.data.updated_at)}</dd>
          </dl>
          <div className="editor-cols">
            <div>
              <h3>Evaluators</h3>
              <JsonBlock value={suite.data.evaluators} />
            </div>
            <div>
              <h3>Thresholds</h3>
              <JsonBlock value={suite.data.thresholds} />
            </div>
          </div>
        </>
      )}
      <h2>Runs</h2>
      <Alert message={runs.error} />
      {!runs.loading && runs.items.length === 0 && !runs.error && <p className="empty">No runs of this suite yet: press “Run now”.</p>}
      {runs.items.length > 0 && (
        <RunsTable runs={runs.items} showSuite={false} />
      )}
      {runs.next && (
        <button type="button" onClick={() => void runs.loadMore()}>
          Load more runs
        </button>
      )}
    </>
  );
}
