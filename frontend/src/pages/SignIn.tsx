import { useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { errorMessage } from "../lib/errors";

/** What a throttled sign-in (429) tells the user: the wait comes from Retry-After. */
export function tooManyAttempts(seconds: number): string {
  return `Too many sign-in attempts. Try again in ${seconds} ${seconds === 1 ? "second" : "seconds"}.`;
}

export function SignInForm({ onSignIn }: { onSignIn: (username: string, password: string) => Promise<void> }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSignIn(username, password);
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 429 && e.retryAfter !== null
          ? tooManyAttempts(e.retryAfter)
          : e instanceof ApiError && e.status === 403 && e.code !== "authentication_failed"
            ? `${e.message} (reload the page and try again)`
            : errorMessage(e),
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin">
      <form onSubmit={submit} className="card" aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to LLMOps</h1>
        <label htmlFor="username">Username</label>
        <input id="username" autoComplete="username" value={username} required autoFocus onChange={(e) => setUsername(e.target.value)} />
        <label htmlFor="password">Password</label>
        <input id="password" type="password" autoComplete="current-password" value={password} required onChange={(e) => setPassword(e.target.value)} />
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
