import { useState, type FormEvent } from "react";
import type { JsonObject, Template, VersionCreateInput, VersionSaved } from "../api/types";
import { checkConfig } from "../pages/prompts/configCheck";
import { FormError } from "./FormErrors";
import { draftOf, VersionFields, type Draft } from "../pages/prompts/VersionFields";

interface Props {
  /** The newest version's template: a string (text prompt) or messages (chat prompt). */
  initial: Template;
  initialConfig?: JsonObject;
  onSave: (input: VersionCreateInput) => Promise<VersionSaved>;
  onSaved: (saved: VersionSaved) => void;
}

const OWN_FIELDS = ["template", "config", "commit_message"];

/** Editor of a new version of a text or chat prompt; saving never changes an old version. */
export function VersionEditor({ initial, initialConfig = {}, onSave, onSaved }: Props) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(initial, initialConfig));
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const config = checkConfig(draft.configText);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!config.config) return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const saved = await onSave({ template: draft.template, config: config.config, commit_message: draft.message });
      setNotice(saved.created ? `Saved as version ${saved.version.number}.` : `Identical to version ${saved.version.number}; nothing saved.`);
      if (saved.created) setDraft((d) => ({ ...d, message: "" }));
      onSaved(saved);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="editor" onSubmit={submit} aria-label="New version">
      <VersionFields draft={draft} onChange={setDraft} error={error} />
      <FormError error={error} own={OWN_FIELDS} />
      {notice && <p role="status" className="ok">{notice}</p>}
      <button type="submit" className="primary" disabled={busy || !config.config}>
        {busy ? "Saving…" : "Save new version"}
      </button>
      {!config.config && <span className="muted small"> Fix the config to save.</span>}
    </form>
  );
}
