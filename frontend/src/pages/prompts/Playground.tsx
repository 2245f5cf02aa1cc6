import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { promptsApi, type PlaygroundResult, type Rendered } from "../../api/prompts";
import type { ChatMessage, Json, PromptVersion } from "../../api/types";
import { PayloadView } from "../../components/ChatMessages";
import { formatMs } from "../../lib/format";
import { placeholderNames } from "../../lib/template";
import { useAsync } from "../../lib/useAsync";
import { fieldErrors, FieldMessages, FormError } from "../../components/FormErrors";

function parseJson<T>(text: string, what: string, check: (v: unknown) => boolean, shape: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${what} is not valid JSON.`);
  }
  if (!check(value)) throw new Error(`${what} must be ${shape}.`);
  return value as T;
}

const PLAYGROUND_FIELDS = ["variables", "placeholders", "model", "parameters"];

const isObject = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);

function Output({ value }: { value: string | ChatMessage[] }) {
  return typeof value === "string" ? <pre className="payload-text">{value}</pre> : <PayloadView value={value as unknown as Json} />;
}

/** Fill a version's variables, render it, and run it on a provider connection's model. */
export function Playground({ name, version, onRan }: { name: string; version: PromptVersion; onRan?: () => void }) {
  const connections = useAsync(() => promptsApi.connections(), []);
  const placeholders = placeholderNames(version.template);
  const [values, setValues] = useState<Record<string, string>>({});
  const [histories, setHistories] = useState<Record<string, string>>({});
  const [connection, setConnection] = useState("");
  const [model, setModel] = useState("");
  const [parameters, setParameters] = useState("");
  const [busy, setBusy] = useState<"render" | "run" | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [rendered, setRendered] = useState<Rendered | null>(null);
  const [result, setResult] = useState<PlaygroundResult | null>(null);
  const list = connections.data ?? [];
  const chosen = list.find((c) => c.name === connection) ?? list[0];

  function inputs() {
    const variables: Record<string, string> = {};
    for (const v of version.variables) variables[v] = values[v] ?? "";
    const filled: Record<string, ChatMessage[]> = {};
    for (const p of placeholders) {
      filled[p] = parseJson<ChatMessage[]>(histories[p] || "[]", `Placeholder ${p}`, Array.isArray, "a list of messages");
    }
    return { version: version.number, variables, placeholders: filled };
  }

  async function act(kind: "render" | "run") {
    setBusy(kind);
    setError(null);
    try {
      const base = inputs();
      if (kind === "render") {
        setRendered(await promptsApi.render(name, base));
        return;
      }
      if (!chosen) return;
      const params = parameters.trim()
        ? parseJson<Record<string, Json>>(parameters, "Parameters", isObject, 'an object like {"temperature": 0.2}')
        : undefined;
      const answer = await promptsApi.playground(name, {
        ...base,
        connection: chosen.name,
        ...(model.trim() ? { model: model.trim() } : {}),
        ...(params ? { parameters: params } : {}),
      });
      setResult(answer);
      onRan?.();
      setRendered({ version: answer.version, type: typeof answer.rendered === "string" ? "text" : "chat", output: answer.rendered });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    void act("run");
  }

  return (
    <form className="panel" onSubmit={submit} aria-label={`Playground for version ${version.number}`}>
      <h3>Playground · v{version.number}</h3>
      {version.variables.length === 0 && placeholders.length === 0 && <p className="muted">This version has no variables.</p>}
      <div className="form-grid">
        {version.variables.map((v) => (
          <div key={v}>
            <label htmlFor={`pg-var-${v}`}>
              <code className="tpl-variable">{v}</code>
            </label>
            <textarea
              id={`pg-var-${v}`}
              rows={2}
              aria-describedby={`pg-var-${v}-errors`}
              value={values[v] ?? ""}
              onChange={(e) => setValues((s) => ({ ...s, [v]: e.target.value }))}
            />
            <FieldMessages id={`pg-var-${v}-errors`} messages={fieldErrors(error, `variables.${v}`)} />
          </div>
        ))}
        {placeholders.map((p) => (
          <div key={p}>
            <label htmlFor={`pg-ph-${p}`}>Placeholder {p} (JSON list of messages)</label>
            <textarea
              id={`pg-ph-${p}`}
              rows={3}
              spellCheck={false}
              placeholder='[{"role": "user", "content": "Hi"}]'
              value={histories[p] ?? ""}
              onChange={(e) => setHistories((s) => ({ ...s, [p]: e.target.value }))}
            />
            <FieldMessages id={`pg-ph-${p}-errors`} messages={fieldErrors(error, `placeholders.${p}`)} />
          </div>
        ))}
      </div>
      <div className="toolbar">
        <button type="button" onClick={() => void act("render")} disabled={busy !== null}>
          {busy === "render" ? "Rendering…" : "Render"}
        </button>
      </div>
      {connections.error && <p role="alert" className="error">{connections.error}</p>}
      {connections.data && list.length === 0 ? (
        <p className="empty">
          No provider connections yet. Add one under <Link to="/evaluations/connections">Evaluations → Connections</Link> or with{" "}
          <code>POST /api/v1/connections</code>, then run the prompt here.
        </p>
      ) : (
        <div className="toolbar">
          <label htmlFor="pg-connection">Connection</label>
          <select id="pg-connection" value={chosen?.name ?? ""} onChange={(e) => setConnection(e.target.value)}>
            {list.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
          <label htmlFor="pg-model">Model</label>
          <input
            id="pg-model"
            list="pg-model-options"
            value={model}
            onChange={(e) => setModel(e.target.value)}
            placeholder={typeof version.config.model === "string" ? version.config.model : chosen?.model_names[0] ?? "model"}
          />
          <datalist id="pg-model-options">
            {(chosen?.model_names ?? []).map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
          <label htmlFor="pg-parameters">Parameters</label>
          <input
            id="pg-parameters"
            value={parameters}
            onChange={(e) => setParameters(e.target.value)}
            placeholder='{"temperature": 0.2}'
            spellCheck={false}
          />
          <FieldMessages id="pg-model-errors" messages={[...fieldErrors(error, "model"), ...fieldErrors(error, "parameters")]} />
          <button type="submit" className="primary" disabled={busy !== null || !chosen}>
            {busy === "run" ? "Running…" : "Run"}
          </button>
        </div>
      )}
      <FormError error={error} own={PLAYGROUND_FIELDS} />
      {rendered && (
        <section aria-label="Rendered prompt">
          <h4>Rendered</h4>
          <Output value={rendered.output} />
        </section>
      )}
      {result && (
        <section aria-label="Model output" className="playground-result">
          <h4>Output</h4>
          <pre className="payload-text" data-testid="playground-output">
            {result.output}
          </pre>
          <p className="small">
            {result.model} · {result.input_tokens} in / {result.output_tokens} out tokens · {formatMs(result.latency_ms)} ·{" "}
            <Link to={`/traces/${result.trace_id}`}>Open trace {result.trace_id.slice(0, 8)}…</Link>
          </p>
        </section>
      )}
    </form>
  );
}
