import { useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import type { VersionCreateInput, VersionSaved } from "../api/types";
import { extractVariables } from "../lib/template";
import { TemplateHighlight } from "./TemplateHighlight";

interface Props {
  initial: string;
  onSave: (input: VersionCreateInput) => Promise<VersionSaved>;
  onSaved: (saved: VersionSaved) => void;
}

/** Editor of a new version of a text prompt. */
export function VersionEditor({ initial, onSave, onSaved }: Props) {
  const [template, setTemplate] = useState(initial);
  const [message, setMessage] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const variables = extractVariables(template);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const saved = await onSave({ template, commit_message: message });
      setNotice(saved.created ? `Saved as version ${saved.version.number}.` : `Identical to version ${saved.version.number}; nothing saved.`);
      if (saved.created) setMessage("");
      onSaved(saved);
    } catch (e) {
      if (e instanceof ApiError) {
        const details = Object.entries(e.fields).map(([k, v]) => `${k}: ${v.join(" ")}`);
        setError([e.message, ...details].join(" — "));
      } else setError(String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="editor" onSubmit={submit} aria-label="New version">
      <div className="editor-cols">
        <div>
          <label htmlFor="template-input">Template</label>
          <textarea id="template-input" rows={12} value={template} onChange={(e) => setTemplate(e.target.value)} spellCheck={false} />
        </div>
        <div>
          <span className="label">Preview</span>
          <TemplateHighlight text={template} />
        </div>
      </div>
      <div aria-live="polite">
        <span className="label">Variables found:</span>{" "}
        {variables.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          <ul className="inline-list" aria-label="Variables">
            {variables.map((v) => (
              <li key={v}>
                <code className="tpl-variable">{v}</code>
              </li>
            ))}
          </ul>
        )}
      </div>
      <label htmlFor="commit-message">Commit message</label>
      <input id="commit-message" value={message} maxLength={500} onChange={(e) => setMessage(e.target.value)} placeholder="What changed and why" />
      {error && <p role="alert" className="error">{error}</p>}
      {notice && <p role="status" className="ok">{notice}</p>}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? "Saving…" : "Save new version"}
      </button>
    </form>
  );
}
