// Mirrors the server's tokenizer (llmops/prompts/templates.py): `{{name}}` is a variable,
// `{{> other}}` an include; anything else between braces is an error the server will report.

export type Segment =
  | { kind: "text"; value: string }
  | { kind: "variable"; value: string; raw: string }
  | { kind: "include"; value: string; raw: string }
  | { kind: "invalid"; value: string; raw: string };

const VARIABLE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const INCLUDE = /^>\s*[A-Za-z0-9_./-]+?(?:@[a-z0-9][a-z0-9_.-]*|#\d+)?$/;

export function tokenizeTemplate(text: string): Segment[] {
  const segments: Segment[] = [];
  let position = 0;
  while (position < text.length) {
    const start = text.indexOf("{{", position);
    if (start < 0) break;
    const end = text.indexOf("}}", start + 2);
    if (end < 0) break;
    if (start > position) segments.push({ kind: "text", value: text.slice(position, start) });
    const raw = text.slice(start, end + 2);
    const inner = text.slice(start + 2, end).trim();
    if (INCLUDE.test(inner)) segments.push({ kind: "include", value: inner, raw });
    else if (VARIABLE.test(inner)) segments.push({ kind: "variable", value: inner, raw });
    else segments.push({ kind: "invalid", value: inner, raw });
    position = end + 2;
  }
  if (position < text.length) segments.push({ kind: "text", value: text.slice(position) });
  return segments;
}

/** Distinct variable names, in order of first appearance. */
export function extractVariables(text: string): string[] {
  const seen: string[] = [];
  for (const segment of tokenizeTemplate(text)) {
    if (segment.kind === "variable" && !seen.includes(segment.value)) seen.push(segment.value);
  }
  return seen;
}

type TemplateMessage = { role: string; content: string } | { type: "placeholder"; name: string };

/** Variables of a text template or of every message of a chat template, in order. */
export function templateVariables(template: string | TemplateMessage[]): string[] {
  if (typeof template === "string") return extractVariables(template);
  const seen: string[] = [];
  for (const message of template) {
    if ("content" in message) {
      for (const name of extractVariables(message.content)) if (!seen.includes(name)) seen.push(name);
    }
  }
  return seen;
}

/** Names of a chat template's placeholders (each takes a list of messages when rendered). */
export function placeholderNames(template: string | TemplateMessage[]): string[] {
  if (typeof template === "string") return [];
  return template.flatMap((m) => ("type" in m && m.type === "placeholder" ? [m.name] : []));
}
