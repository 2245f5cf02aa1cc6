import { ApiError } from "../../api/client";

/** What went wrong with a form submission, and each field the server named. */
export function FormErrors({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const fields = error instanceof ApiError ? Object.entries(error.fields) : [];
  return (
    <div role="alert" className="error">
      {message}
      {fields.length > 0 && (
        <ul className="field-errors">
          {fields.map(([field, messages]) => (
            <li key={field}>
              <code>{field}</code>: {messages.join(" ")}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The server's messages for one form field, including nested paths under it
 * (e.g. "evaluators[0].type" belongs to "evaluators"). */
export function fieldMessages(error: unknown, field: string): string[] {
  if (!(error instanceof ApiError)) return [];
  return Object.entries(error.fields)
    .filter(([path]) => path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`))
    .map(([path, messages]) => (path === field ? messages.join(" ") : `${path}: ${messages.join(" ")}`));
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

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
