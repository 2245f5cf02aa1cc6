import type { Json } from "../api/types";
import { JsonBlock } from "./JsonBlock";

export interface RenderedMessage {
  role: string;
  content: Json;
}

/** A value that is a list of {role, content} (chat messages), or null. */
export function asChatMessages(value: Json | undefined): RenderedMessage[] | null {
  let list: Json | undefined = value;
  // A common wrapper: {"messages": [...]}
  if (list && typeof list === "object" && !Array.isArray(list) && Array.isArray(list.messages)) {
    list = list.messages;
  }
  if (!Array.isArray(list) || list.length === 0) return null;
  const messages: RenderedMessage[] = [];
  for (const item of list) {
    if (!item || typeof item !== "object" || Array.isArray(item)) return null;
    const role = item.role;
    if (typeof role !== "string" || !("content" in item)) return null;
    messages.push({ role, content: item.content ?? null });
  }
  return messages;
}

function contentText(content: Json): string | null {
  if (typeof content === "string") return content;
  if (content === null) return "";
  // OpenAI-style content parts: [{type: "text", text: "..."}]
  if (Array.isArray(content)) {
    const texts: string[] = [];
    for (const part of content) {
      if (part && typeof part === "object" && !Array.isArray(part) && typeof part.text === "string") {
        texts.push(part.text);
      } else {
        return null;
      }
    }
    return texts.join("\n");
  }
  return null;
}

export function ChatMessages({ messages }: { messages: RenderedMessage[] }) {
  return (
    <ol className="chat" aria-label="Conversation">
      {messages.map((message, index) => {
        const text = contentText(message.content);
        return (
          <li key={index} className={`chat-msg chat-${message.role}`} data-role={message.role}>
            <div className="chat-role">{message.role}</div>
            {text !== null ? (
              <div className="chat-content">{text}</div>
            ) : (
              <JsonBlock value={message.content} />
            )}
          </li>
        );
      })}
    </ol>
  );
}

/** Chat messages as a conversation; anything else as text or JSON. */
export function PayloadView({ value }: { value: Json | undefined }) {
  const messages = asChatMessages(value);
  if (messages) return <ChatMessages messages={messages} />;
  if (value === undefined || value === null || value === "") return <p className="muted">None</p>;
  if (typeof value === "string") return <pre className="payload-text">{value}</pre>;
  return <JsonBlock value={value} />;
}
