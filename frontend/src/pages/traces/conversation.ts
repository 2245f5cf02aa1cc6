// A session read as one conversation: what the user said and what the assistant answered in
// each trace, oldest first. Trace input and output are whatever the root span carried: chat
// messages, a string, or any JSON.
import type { Json, TraceDetail } from "../../api/types";
import { asChatMessages } from "../../components/ChatMessages";
import { allSpans } from "./waterfall";

export interface Turn {
  traceId: string;
  traceName: string;
  startTime: string;
  status: string;
  user: string | null;
  assistant: string | null;
}

function text(content: Json): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    const parts = content.map((p) => (p && typeof p === "object" && !Array.isArray(p) && typeof p.text === "string" ? p.text : null));
    if (parts.every((p) => p !== null)) return parts.join("\n");
  }
  return JSON.stringify(content);
}

/**
 * A value as a person would say it. Instrumented functions record their arguments (`["hi"]`,
 * `{"question": "hi"}`); one string among them is what was said, so it is shown bare.
 */
export function plainText(value: Json): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === "string") return value[0];
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const values = Object.values(value);
    if (values.length === 1 && typeof values[0] === "string") return values[0];
  }
  return JSON.stringify(value);
}

function isEmpty(value: Json | undefined): boolean {
  return value === undefined || value === null || value === "";
}

/** The last user message of chat input (earlier ones repeat the history), or the whole value. */
export function userText(input: Json | undefined): string | null {
  if (isEmpty(input)) return null;
  const messages = asChatMessages(input);
  if (messages) {
    const last = [...messages].reverse().find((m) => m.role === "user");
    return last ? text(last.content) : null;
  }
  return plainText(input as Json);
}

/** The assistant's answer: the assistant messages of chat output, or the whole value. */
export function assistantText(output: Json | undefined): string | null {
  if (isEmpty(output)) return null;
  const messages = asChatMessages(output);
  if (messages) {
    const answers = messages.filter((m) => m.role === "assistant" && !isEmpty(m.content)).map((m) => text(m.content));
    return answers.length > 0 ? answers.join("\n\n") : null;
  }
  return plainText(output as Json);
}

/**
 * One turn per trace, oldest first. When the root span carried no input or output (an agent
 * span wrapping the model call), the first LLM span's messages stand in for it.
 */
export function conversationTurns(traces: TraceDetail[]): Turn[] {
  return [...traces]
    .sort((a, b) => Date.parse(a.start_time) - Date.parse(b.start_time))
    .map((t) => {
      const llm = allSpans(t.spans).find((s) => s.kind === "llm");
      return {
        traceId: t.trace_id,
        traceName: t.name || t.trace_id,
        startTime: t.start_time,
        status: t.status,
        user: userText(t.input) ?? userText(llm?.input),
        assistant: assistantText(t.output) ?? assistantText(llm?.output),
      };
    });
}
