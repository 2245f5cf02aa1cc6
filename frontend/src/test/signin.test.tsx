import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { AuthProvider } from "../auth";
import { mockFetch } from "./fetchMock";

afterEach(() => vi.unstubAllGlobals());

const org = { id: "o1", name: "Acme", created_at: "2026-01-01T00:00:00Z" };
const project = (id: string, name: string) => ({ id, name, organization: org, created_at: "2026-01-01T00:00:00Z" });

function renderApp() {
  return render(
    <MemoryRouter initialEntries={["/prompts"]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
      <AuthProvider>
        <App />
      </AuthProvider>
    </MemoryRouter>,
  );
}

describe("sign-in", () => {
  it("posts credentials to the login endpoint with the CSRF header, then asks for a project", async () => {
    document.cookie = "csrftoken=tok123; path=/";
    let signedIn = false;
    const calls = mockFetch((call) => {
      if (call.url === "/api/v1/auth/session")
        return { body: { authenticated: signedIn, username: signedIn ? "ada" : null, memberships: [] } };
      if (call.url === "/api/v1/auth/login") {
        signedIn = true;
        return { body: { authenticated: true, username: "ada", memberships: [{ organization: org, role: "owner" }] } };
      }
      if (call.url === "/api/v1/organizations") return { body: [org] };
      if (call.url === "/api/v1/organizations/o1/projects") return { body: [project("p1", "Chatbot"), project("p2", "Search")] };
      if (call.url === "/api/v1/prompts") return { body: [] };
      return undefined;
    });
    renderApp();
    fireEvent.change(await screen.findByLabelText("Username"), { target: { value: "ada" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "s3cret" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));

    await screen.findByRole("heading", { name: "Choose a project" });
    const login = calls.find((c) => c.url === "/api/v1/auth/login");
    expect(login?.method).toBe("POST");
    expect(login?.headers["X-CSRFToken"]).toBe("tok123");
    expect(login?.body).toEqual({ username: "ada", password: "s3cret" });

    // Choosing a project remembers it and sends it on project-scoped requests.
    fireEvent.click(screen.getByRole("button", { name: /Search/ }));
    await screen.findByRole("heading", { name: "Prompts" });
    expect(localStorage.getItem("llmops.projectId")).toBe("p2");
    await waitFor(() => expect(calls.some((c) => c.url === "/api/v1/prompts")).toBe(true));
    expect(calls.find((c) => c.url === "/api/v1/prompts")?.headers["X-Project-Id"]).toBe("p2");
    expect(await screen.findByText("No prompts in this project yet")).toBeInTheDocument();
  });

  it("shows the server's error message on wrong credentials", async () => {
    document.cookie = "csrftoken=abc; path=/";
    mockFetch((call) => {
      if (call.url === "/api/v1/auth/session") return { body: { authenticated: false, username: null, memberships: [] } };
      if (call.url === "/api/v1/auth/login")
        return { status: 401, body: { error: "authentication_failed", message: "Wrong username or password.", fields: {} } };
      return undefined;
    });
    renderApp();
    fireEvent.change(await screen.findByLabelText("Username"), { target: { value: "ada" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "nope" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Wrong username or password.");
  });
});
