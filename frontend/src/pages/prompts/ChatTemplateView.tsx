import type { ChatTemplateMessage } from "../../api/types";
import { TemplateHighlight } from "../../components/TemplateHighlight";

/** A chat template as its messages, variables highlighted; placeholders shown as slots. */
export function ChatTemplateView({ messages }: { messages: ChatTemplateMessage[] }) {
  return (
    <ol className="chat chat-template" aria-label="Template messages">
      {messages.map((message, index) =>
        "content" in message ? (
          <li key={index} className={`chat-msg chat-${message.role}`}>
            <div className="chat-role">{message.role}</div>
            <TemplateHighlight text={message.content} />
          </li>
        ) : (
          <li key={index} className="chat-msg chat-placeholder">
            <div className="chat-role">placeholder</div>
            <code>{message.name}</code> <span className="muted small">— a list of messages, filled in when rendered</span>
          </li>
        ),
      )}
    </ol>
  );
}
