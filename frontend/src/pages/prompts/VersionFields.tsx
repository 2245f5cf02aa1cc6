import type { ChatTemplateMessage, JsonObject, PromptType, Template } from "../../api/types";
import { TemplateHighlight } from "../../components/TemplateHighlight";
import { placeholderNames, templateVariables } from "../../lib/template";
import { ChatTemplateEditor } from "./ChatTemplateEditor";
import { checkConfig } from "./configCheck";
import { fieldErrors, FieldMessages } from "../../components/FormErrors";

/** What a version form holds before it is saved. */
export interface Draft {
  template: Template;
  configText: string;
  message: string;
}

export function draftOf(template: Template, config: JsonObject = {}): Draft {
  return {
    template,
    configText: Object.keys(config).length ? JSON.stringify(config, null, 2) : "",
    message: "",
  };
}

/** The template converted when the prompt's type changes, keeping the text. */
export function convertTemplate(template: Template, type: PromptType): Template {
  if (type === "text") {
    return typeof template === "string"
      ? template
      : template.map((m) => ("content" in m ? m.content : `{{${m.name}}}`)).join("\n");
  }
  return typeof template === "string" ? [{ role: "user", content: template }] : template;
}

/** The server's messages for message `index` of a chat template. */
const messageErrors = (error: unknown) => (index: number) =>
  fieldErrors(error, `template[${index}]`);

interface Props {
  draft: Draft;
  onChange: (draft: Draft) => void;
  /** The last failed save (an ApiError's fields are shown next to their inputs). */
  error: unknown;
}

/** Template (text or chat, as the draft holds it), the variables it uses, its config as JSON, a commit message. */
export function VersionFields({ draft, onChange, error }: Props) {
  const { template } = draft;
  const variables = templateVariables(template);
  const placeholders = placeholderNames(template);
  const config = checkConfig(draft.configText);
  const templateErrors = fieldErrors(error, "template").filter((m) => !/^template\[\d+\]/.test(m));
  const configErrors = fieldErrors(error, "config");
  return (
    <>
      {typeof template === "string" ? (
        <div className="editor-cols">
          <div>
            <label htmlFor="template-input">Template</label>
            <textarea
              id="template-input"
              rows={12}
              value={template}
              spellCheck={false}
              aria-invalid={templateErrors.length > 0}
              aria-describedby={templateErrors.length ? "template-errors" : undefined}
              onChange={(e) => onChange({ ...draft, template: e.target.value })}
            />
          </div>
          <div>
            <span className="label">Preview</span>
            <TemplateHighlight text={template} />
          </div>
        </div>
      ) : (
        <>
          <span className="label">Messages</span>
          <ChatTemplateEditor
            messages={template}
            onChange={(messages: ChatTemplateMessage[]) => onChange({ ...draft, template: messages })}
            errorsAt={messageErrors(error)}
          />
        </>
      )}
      <FieldMessages id="template-errors" messages={templateErrors} />
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
        {placeholders.length > 0 && (
          <>
            {" "}
            <span className="muted">Placeholders:</span>{" "}
            <ul className="inline-list" aria-label="Placeholders">
              {placeholders.map((p, i) => (
                <li key={`${p}-${i}`}>
                  <code>{p}</code>{" "}
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
      <label htmlFor="config-input">Config (JSON object)</label>
      <textarea
        id="config-input"
        rows={5}
        spellCheck={false}
        value={draft.configText}
        placeholder='{"model": "gpt-4o-mini", "parameters": {"temperature": 0.2}}'
        aria-invalid={config.errors.length + configErrors.length > 0}
        aria-describedby="config-help config-errors"
        onChange={(e) => onChange({ ...draft, configText: e.target.value })}
      />
      <p id="config-help" className="muted small">
        Known keys: <code>model</code> (string), <code>parameters</code> (object),{" "}
        <code>response_format</code> (object), <code>tools</code> (list). Leave empty for none.
      </p>
      <div aria-live="polite">
        <FieldMessages id="config-errors" messages={[...config.errors, ...configErrors]} />
      </div>
      <label htmlFor="commit-message">Commit message</label>
      <input
        id="commit-message"
        value={draft.message}
        maxLength={500}
        onChange={(e) => onChange({ ...draft, message: e.target.value })}
        placeholder="What changed and why"
      />
      <FieldMessages id="commit-errors" messages={fieldErrors(error, "commit_message")} />
    </>
  );
}
