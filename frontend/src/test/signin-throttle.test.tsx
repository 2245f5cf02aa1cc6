import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi, afterEach } from "vitest";
import { tenancyApi } from "../api/tenancy";
import { SignInForm } from "../pages/SignIn";
import { mockFetch } from "./fetchMock";

afterEach(() => vi.unstubAllGlobals());

function throttled(retryAfter: string) {
  return {
    status: 429,
    headers: { "Retry-After": retryAfter },
    // The wait the page shows comes from the header, not from this text.
    body: { error: "throttled", message: "Too many sign-in attempts. Try again in 99 seconds." },
  };
}

async function submit(username: string, password: string) {
  fireEvent.change(screen.getByLabelText("Username"), { target: { value: username } });
  fireEvent.change(screen.getByLabelText("Password"), { target: { value: password } });
  fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
  return screen.findByRole("alert");
}

describe("throttled sign-in", () => {
  it("shows the wait from Retry-After", async () => {
    const waits = ["8", "1"];
    mockFetch((call) => (call.url === "/api/v1/auth/login" ? throttled(waits.shift() ?? "0") : undefined));
    render(<SignInForm onSignIn={(u, p) => tenancyApi.login(u, p).then(() => undefined)} />);

    expect(await submit("ada", "right-or-wrong")).toHaveTextContent(
      "Too many sign-in attempts. Try again in 8 seconds.",
    );
    expect(await submit("ada", "again")).toHaveTextContent("Too many sign-in attempts. Try again in 1 second.");
  });

  it("falls back to the server's message when a 429 has no Retry-After", async () => {
    mockFetch((call) =>
      call.url === "/api/v1/auth/login"
        ? { status: 429, body: { error: "throttled", message: "Slow down." } }
        : undefined,
    );
    render(<SignInForm onSignIn={(u, p) => tenancyApi.login(u, p).then(() => undefined)} />);
    expect(await submit("ada", "x")).toHaveTextContent("Slow down.");
  });
});
