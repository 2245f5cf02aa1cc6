// The server's 400 answers name each bad field by its path ({"fields": {"template[2].role": [...]}});
// forms show a field's messages next to its input and the rest with the form's general error.
import { ApiError } from "../api/client";
import { errorMessage } from "../lib/errors";

function isUnder(path: string, field: string): boolean {
  return path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);
}

/** The server's messages for one field, including nested paths under it ("evaluators" owns
 * "evaluators[0].type"), each deeper one prefixed with its exact path. */
export function fieldErrors(error: unknown, field: string): string[] {
  if (!(error instanceof ApiError)) return [];
  return Object.entries(error.fields)
    .filter(([path]) => isUnder(path, field))
    .map(([path, messages]) => (path === field ? messages.join(" ") : `${path}: ${messages.join(" ")}`));
}

/** One field's messages, under its input (`id` is for the input's aria-describedby). */
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

/** A failed submission's message, with the server's messages for every field the form does not
 * show next to an input of its own (`own`). */
export function FormError({ error, own = [] }: { error: unknown; own?: readonly string[] }) {
  if (!error) return null;
  const others =
    error instanceof ApiError ? Object.entries(error.fields).filter(([path]) => !own.some((f) => isUnder(path, f))) : [];
  return (
    <div role="alert" className="error">
      {errorMessage(error)}
      {others.length > 0 && (
        <ul className="field-errors">
          {others.map(([path, messages]) => (
            <li key={path}>
              <code>{path}</code>: {messages.join(" ")}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A failure message, announced to screen readers; nothing when there is none. */
export function Alert({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p role="alert" className="error">
      {message}
    </p>
  );
}
