import type { ToolCall } from "../api/traces";
import type { Json } from "../api/types";
import { JsonBlock } from "./JsonBlock";

export interface RenderedMessage {
  role: string;
  content: Json;
  name?: string;
  toolCalls?: ToolCall[];
  toolCallId?: string;
}

/** Tool calls in the stored shape [{id, name, arguments}], or null for anything else. */
export function asToolCalls(value: Json | undefined): ToolCall[] | null {
  if (!Array.isArray(value) || value.length === 0) return null;
  const calls: ToolCall[] = [];
  for (const item of value) {
    if (!item || typeof item !== "object" || Array.isArray(item) || typeof item.name !== "string") return null;
    const args = item.arguments;
    calls.push({
      id: typeof item.id === "string" ? item.id : "",
      name: item.name,
      arguments: typeof args === "string" ? args : JSON.stringify(args ?? null),
    });
  }
  return calls;
}

/** Arguments are a JSON string as the model wrote them; shown indented when they parse. */
function prettyArguments(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function ToolCallList({ calls }: { calls: ToolCall[] }) {
  return (
    <ul className="tool-calls" aria-label="Tool calls">
      {calls.map((call, index) => (
        <li key={call.id || index} className="tool-call">
          <div>
            <span className="kind">tool call</span> <strong>{call.name}</strong>
            {call.id && <span className="muted small"> {call.id}</span>}
          </div>
          <pre className="json" aria-label={`Arguments of ${call.name}`}>
            {prettyArguments(call.arguments)}
          </pre>
        </li>
      ))}
    </ul>
  );
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
    const message: RenderedMessage = { role, content: item.content ?? null };
    const calls = asToolCalls(item.tool_calls);
    if (calls) message.toolCalls = calls;
    if (typeof item.name === "string" && item.name) message.name = item.name;
    if (typeof item.tool_call_id === "string" && item.tool_call_id) message.toolCallId = item.tool_call_id;
    messages.push(message);
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
            <div className="chat-role">
              {message.role}
              {message.name && <span className="muted"> · {message.name}</span>}
              {message.toolCallId && <span className="muted"> · result of {message.toolCallId}</span>}
            </div>
            {text !== null ? (
              text && <div className="chat-content">{text}</div>
            ) : (
              <JsonBlock value={message.content} />
            )}
            {message.toolCalls && <ToolCallList calls={message.toolCalls} />}
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
