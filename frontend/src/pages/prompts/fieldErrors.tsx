import { ApiError } from "../../api/client";

/** The server's 400 messages that belong under `prefix` ("template" owns "template[2].role"),
 * each prefixed with its exact path when it is deeper than `prefix`. */
export function errorsUnder(error: unknown, prefix: string): string[] {
  if (!(error instanceof ApiError)) return [];
  const found: string[] = [];
  for (const [path, messages] of Object.entries(error.fields)) {
    const text = messages.join(" ");
    if (path === prefix) found.push(text);
    else if (path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`)) found.push(`${path}: ${text}`);
  }
  return found;
}

/** Messages of fields none of `known` owns, to be shown with the form's general error. */
function otherErrors(error: unknown, known: string[]): string[] {
  if (!(error instanceof ApiError)) return [];
  return Object.entries(error.fields)
    .filter(([path]) => !known.some((k) => path === k || path.startsWith(`${k}.`) || path.startsWith(`${k}[`)))
    .map(([path, messages]) => `${path}: ${messages.join(" ")}`);
}

export function FieldMessages({ id, messages }: { id: string; messages: string[] }) {
  if (messages.length === 0) return null;
  return (
    <ul id={id} className="field-error">
      {messages.map((m) => (
        <li key={m}>{m}</li>
      ))}
    </ul>
  );
}

/** A failed submission's message, with the server's messages for fields the form does not
 * show next to an input of its own (`own`). */
export function FormError({ error, own }: { error: unknown; own: string[] }) {
  if (!error) return null;
  const parts = [error instanceof Error ? error.message : String(error), ...otherErrors(error, own)];
  return (
    <p role="alert" className="error">
      {parts.join(" — ")}
    </p>
  );
}
