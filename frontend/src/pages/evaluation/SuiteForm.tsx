import { useState, type FormEvent } from "react";
import { evaluationApi, type Suite } from "../../api/evaluation";
import { useAsync } from "../../lib/useAsync";
import { fieldErrors, FormError } from "../../components/FormErrors";
import { checkSuiteJson, type SuiteJsonTexts } from "./jsonFields";

const EXAMPLE_TARGET = { type: "prompt", prompt: "support/answer", connection: "local", model: "gpt-4o-mini", params: {} };
const EXAMPLE_EVALUATORS = [{ type: "contains", name: "mentions" }];
const EXAMPLE_THRESHOLDS = [{ evaluator: "mentions", min_pass_rate: 0.8 }];

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

function JsonField({
  id,
  label,
  help,
  value,
  onChange,
  problem,
  serverMessages,
}: {
  id: string;
  label: string;
  help: string;
  value: string;
  onChange: (v: string) => void;
  problem?: string;
  serverMessages: string[];
}) {
  const messages = [...(problem ? [problem] : []), ...serverMessages];
  return (
    <div className="json-field">
      <label htmlFor={id}>{label}</label>
      <p className="muted small" id={`${id}-help`}>
        {help}
      </p>
      <textarea
        id={id}
        rows={8}
        spellCheck={false}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={messages.length > 0}
        aria-describedby={`${id}-help${messages.length ? ` ${id}-error` : ""}`}
      />
      {messages.length > 0 && (
        <p className="field-error" id={`${id}-error`}>
          {messages.join(" ")}
        </p>
      )}
    </div>
  );
}

/** Create a suite, or replace one (suites are saved whole, by name). */
export function SuiteForm({ initial, onSaved }: { initial: Suite | null; onSaved: (suite: Suite) => void }) {
  const datasets = useAsync(() => evaluationApi.datasets(), []);
  const [name, setName] = useState(initial?.name ?? "");
  const [dataset, setDataset] = useState(initial?.dataset ?? "");
  const [baseline, setBaseline] = useState(initial?.baseline_label ?? "production");
  const [texts, setTexts] = useState<SuiteJsonTexts>({
    target: pretty(initial?.target ?? EXAMPLE_TARGET),
    evaluators: pretty(initial?.evaluators ?? EXAMPLE_EVALUATORS),
    thresholds: pretty(initial?.thresholds ?? EXAMPLE_THRESHOLDS),
  });
  const [clientErrors, setClientErrors] = useState<Partial<Record<keyof SuiteJsonTexts, string>>>({});
  const [serverError, setServerError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);

  const set = (field: keyof SuiteJsonTexts) => (value: string) => setTexts((t) => ({ ...t, [field]: value }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setServerError(null);
    const checked = checkSuiteJson(texts);
    if (!checked.ok) {
      setClientErrors(checked.errors);
      return;
    }
    setClientErrors({});
    setSaving(true);
    try {
      const saved = await evaluationApi.saveSuite({
        name: name.trim(),
        dataset,
        target: checked.target,
        evaluators: checked.evaluators,
        thresholds: checked.thresholds,
        baseline_label: baseline.trim() || "production",
      });
      onSaved(saved);
    } catch (err) {
      setServerError(err);
    } finally {
      setSaving(false);
    }
  }

  const hasClientErrors = Object.keys(clientErrors).length > 0;
  return (
    <form className="editor suite-form" onSubmit={(e) => void submit(e)} aria-label={initial ? "Edit suite" : "Create a suite"} noValidate>
      <div className="form-row">
        <label>
          Suite name
          <input value={name} onChange={(e) => setName(e.target.value)} readOnly={Boolean(initial)} required />
        </label>
        <label>
          Dataset
          <select value={dataset} onChange={(e) => setDataset(e.target.value)} required>
            <option value="">choose…</option>
            {datasets.data?.map((d) => (
              <option key={d.name} value={d.name}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Baseline label
          <input value={baseline} onChange={(e) => setBaseline(e.target.value)} />
        </label>
      </div>
      {[...fieldErrors(serverError, "name"), ...fieldErrors(serverError, "dataset")].map((m) => (
        <p key={m} className="field-error">
          {m}
        </p>
      ))}
      {datasets.data && datasets.data.length === 0 && <p className="muted small">No datasets yet: create one under Datasets first.</p>}
      <div className="editor-cols three">
        <JsonField
          id="suite-target"
          label="Target (JSON)"
          help='{"type": "prompt", "prompt", "connection", "model", "params"} or {"type": "outputs"} when CI sends the outputs.'
          value={texts.target}
          onChange={set("target")}
          problem={clientErrors.target}
          serverMessages={fieldErrors(serverError, "target")}
        />
        <JsonField
          id="suite-evaluators"
          label="Evaluators (JSON)"
          help='A list: e.g. {"type": "contains"}, {"type": "exact_match"}, {"type": "judge", "prompt", "connection", "model", "scale": [1, 5], "pass_at": 4}.'
          value={texts.evaluators}
          onChange={set("evaluators")}
          problem={clientErrors.evaluators}
          serverMessages={fieldErrors(serverError, "evaluators")}
        />
        <JsonField
          id="suite-thresholds"
          label="Thresholds (JSON)"
          help='A list: {"evaluator": name, "min_mean" | "min_pass_rate" | "max_regression": number}.'
          value={texts.thresholds}
          onChange={set("thresholds")}
          problem={clientErrors.thresholds}
          serverMessages={fieldErrors(serverError, "thresholds")}
        />
      </div>
      {hasClientErrors && (
        <p role="alert" className="error">
          Fix the highlighted JSON before saving.
        </p>
      )}
      <FormError error={serverError} />
      <button type="submit" className="primary" disabled={saving}>
        {saving ? "Saving…" : initial ? "Save suite" : "Create suite"}
      </button>
    </form>
  );
}
