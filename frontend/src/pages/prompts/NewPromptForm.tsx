import { useState, type FormEvent } from "react";
import { promptsApi } from "../../api/prompts";
import type { PromptCreated, PromptType } from "../../api/types";
import { checkConfig } from "./configCheck";
import { fieldErrors, FieldMessages, FormError } from "../../components/FormErrors";
import { convertTemplate, draftOf, VersionFields, type Draft } from "./VersionFields";

const OWN_FIELDS = ["name", "type", "description", "tags", "labels", "template", "config", "commit_message"];

const words = (text: string) =>
  text
    .split(",")
    .map((w) => w.trim())
    .filter(Boolean);

/** Creates a prompt with its first version (POST /prompts). */
export function NewPromptForm({ folder, onCreated }: { folder: string; onCreated: (created: PromptCreated) => void }) {
  const [name, setName] = useState(folder ? `${folder}/` : "");
  const [type, setType] = useState<PromptType>("text");
  const [description, setDescription] = useState("");
  const [tags, setTags] = useState("");
  const [labels, setLabels] = useState("");
  const [draft, setDraft] = useState<Draft>(() => draftOf(""));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const config = checkConfig(draft.configText);

  function changeType(next: PromptType) {
    setType(next);
    setDraft((d) => ({ ...d, template: convertTemplate(d.template, next) }));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!config.config) return;
    setBusy(true);
    setError(null);
    try {
      const created = await promptsApi.create({
        name: name.trim(),
        type,
        template: draft.template,
        config: config.config,
        description,
        tags: words(tags),
        labels: words(labels),
        commit_message: draft.message,
      });
      onCreated(created);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="editor" onSubmit={submit} aria-label="New prompt">
      <h2>New prompt</h2>
      <div className="form-grid">
        <div>
          <label htmlFor="new-prompt-name">Name</label>
          <input
            id="new-prompt-name"
            required
            value={name}
            maxLength={200}
            placeholder="support/answer"
            aria-describedby="new-prompt-name-help"
            onChange={(e) => setName(e.target.value)}
          />
          <p id="new-prompt-name-help" className="muted small">
            Use “/” to put it in a folder.
          </p>
          <FieldMessages id="new-prompt-name-errors" messages={fieldErrors(error, "name")} />
        </div>
        <div>
          <label htmlFor="new-prompt-type">Type</label>
          <select id="new-prompt-type" value={type} onChange={(e) => changeType(e.target.value as PromptType)}>
            <option value="text">text</option>
            <option value="chat">chat (messages)</option>
          </select>
        </div>
        <div>
          <label htmlFor="new-prompt-tags">Tags</label>
          <input id="new-prompt-tags" value={tags} placeholder="support, v2" onChange={(e) => setTags(e.target.value)} />
          <FieldMessages id="new-prompt-tags-errors" messages={fieldErrors(error, "tags")} />
        </div>
        <div>
          <label htmlFor="new-prompt-labels">Labels</label>
          <input
            id="new-prompt-labels"
            value={labels}
            placeholder="production, staging"
            onChange={(e) => setLabels(e.target.value)}
          />
          <FieldMessages id="new-prompt-labels-errors" messages={fieldErrors(error, "labels")} />
        </div>
      </div>
      <label htmlFor="new-prompt-description">Description</label>
      <input
        id="new-prompt-description"
        className="wide"
        value={description}
        onChange={(e) => setDescription(e.target.value)}
      />
      <VersionFields draft={draft} onChange={setDraft} error={error} />
      <FormError error={error} own={OWN_FIELDS} />
      <button type="submit" className="primary" disabled={busy || !config.config}>
        {busy ? "Creating…" : "Create prompt"}
      </button>
    </form>
  );
}
