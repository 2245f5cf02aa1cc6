import { useEffect, useRef, useState } from "react";
import type { ChatTemplateMessage } from "../../api/types";
import { TemplateHighlight } from "../../components/TemplateHighlight";
import { FieldMessages } from "../../components/FormErrors";

// The roles the server accepts (llmops/prompts/domain.py ROLES).
export const ROLES = ["system", "developer", "user", "assistant", "tool"];

interface Props {
  messages: ChatTemplateMessage[];
  onChange: (messages: ChatTemplateMessage[]) => void;
  /** Server messages per message index ("template[2]..." belongs to index 2). */
  errorsAt?: (index: number) => string[];
}

type Focus = { index: number; control: "up" | "down" | "remove" | "first" };

function move<T>(list: T[], from: number, to: number): T[] {
  const next = [...list];
  const [item] = next.splice(from, 1);
  if (item !== undefined) next.splice(to, 0, item);
  return next;
}

/** Messages of a chat template: role and content, or a placeholder for a list of messages
 * (e.g. the conversation history) filled in when the prompt is rendered. */
export function ChatTemplateEditor({ messages, onChange, errorsAt = () => [] }: Props) {
  const root = useRef<HTMLOListElement>(null);
  // Keyboard users keep their place: after a move or removal, focus follows the message.
  const [focus, setFocus] = useState<Focus | null>(null);
  useEffect(() => {
    if (!focus || !root.current) return;
    const item = root.current.querySelectorAll<HTMLElement>(":scope > li")[focus.index];
    const target =
      item?.querySelector<HTMLElement>(`[data-control="${focus.control}"]:not(:disabled)`) ??
      item?.querySelector<HTMLElement>("select, input, textarea");
    target?.focus();
    setFocus(null);
  }, [focus]);

  const update = (index: number, message: ChatTemplateMessage) =>
    onChange(messages.map((m, i) => (i === index ? message : m)));
  const shift = (index: number, by: -1 | 1) => {
    onChange(move(messages, index, index + by));
    setFocus({ index: index + by, control: by < 0 ? "up" : "down" });
  };
  const remove = (index: number) => {
    onChange(messages.filter((_, i) => i !== index));
    if (messages.length > 1) setFocus({ index: Math.min(index, messages.length - 2), control: "first" });
  };
  const add = (message: ChatTemplateMessage) => {
    onChange([...messages, message]);
    setFocus({ index: messages.length, control: "first" });
  };

  return (
    <div className="chat-editor">
      {messages.length === 0 && (
        <p className="empty">A chat prompt needs at least one message. Add one below.</p>
      )}
      <ol className="chat-editor-list" ref={root} aria-label="Messages">
        {messages.map((message, index) => {
          const n = index + 1;
          const errors = errorsAt(index);
          const isPlaceholder = "type" in message && message.type === "placeholder";
          return (
            <li key={index} className={isPlaceholder ? "chat-edit placeholder" : "chat-edit"}>
              <fieldset>
                <legend>{isPlaceholder ? `Message ${n}: placeholder` : `Message ${n}`}</legend>
                {"content" in message ? (
                  <>
                    <label htmlFor={`msg-role-${index}`}>Role of message {n}</label>
                    <select
                      id={`msg-role-${index}`}
                      value={message.role}
                      onChange={(e) => update(index, { ...message, role: e.target.value })}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                    <label htmlFor={`msg-content-${index}`}>Content of message {n}</label>
                    <textarea
                      id={`msg-content-${index}`}
                      rows={3}
                      spellCheck={false}
                      value={message.content}
                      onChange={(e) => update(index, { ...message, content: e.target.value })}
                    />
                    {message.content.includes("{{") && <TemplateHighlight text={message.content} />}
                  </>
                ) : (
                  <>
                    <label htmlFor={`msg-placeholder-${index}`}>Placeholder name of message {n}</label>
                    <input
                      id={`msg-placeholder-${index}`}
                      value={message.name}
                      placeholder="history"
                      onChange={(e) => update(index, { type: "placeholder", name: e.target.value })}
                    />
                    <p className="muted small">Filled with a list of messages when rendered.</p>
                  </>
                )}
                <FieldMessages id={`msg-errors-${index}`} messages={errors} />
                <div className="chat-edit-actions">
                  <button
                    type="button"
                    data-control="up"
                    aria-label={`Move message ${n} up`}
                    disabled={index === 0}
                    onClick={() => shift(index, -1)}
                  >
                    ↑ Up
                  </button>
                  <button
                    type="button"
                    data-control="down"
                    aria-label={`Move message ${n} down`}
                    disabled={index === messages.length - 1}
                    onClick={() => shift(index, 1)}
                  >
                    ↓ Down
                  </button>
                  <button
                    type="button"
                    data-control="remove"
                    aria-label={`Remove message ${n}`}
                    onClick={() => remove(index)}
                  >
                    Remove
                  </button>
                </div>
              </fieldset>
            </li>
          );
        })}
      </ol>
      <div className="toolbar">
        <button type="button" onClick={() => add({ role: messages.length === 0 ? "system" : "user", content: "" })}>
          Add message
        </button>
        <button type="button" onClick={() => add({ type: "placeholder", name: "history" })}>
          Add placeholder
        </button>
      </div>
    </div>
  );
}
