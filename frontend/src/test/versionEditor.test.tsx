import { fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, setProjectId } from "../api/client";
import { VersionEditor } from "../components/VersionEditor";
import { mockFetch } from "./fetchMock";

afterEach(() => vi.unstubAllGlobals());

describe("new version editor", () => {
  it("lists variables as you type and POSTs the new version with project and CSRF headers", async () => {
    document.cookie = "csrftoken=t0k; path=/";
    setProjectId("proj-1");
    const calls = mockFetch((call) =>
      call.method === "POST"
        ? {
            status: 201,
            body: {
              created: true,
              version: {
                number: 4, content_hash: "h", template: (call.body as { template: string }).template, config: {},
                variables: ["name", "city"], includes: [], commit_message: "tweak", author: "ada",
                derived_from: null, created_at: "2026-01-01T00:00:00Z", labels: [],
              },
            },
          }
        : undefined,
    );
    const onSaved = vi.fn();
    render(<VersionEditor initial="Hello {{name}}" onSave={(input) => api.createVersion("team/greeting", input)} onSaved={onSaved} />);
    expect(screen.getByRole("list", { name: "Variables" })).toHaveTextContent("name");
    fireEvent.change(screen.getByLabelText("Template"), { target: { value: "Hello {{name}} from {{city}}" } });
    expect(Array.from(screen.getByRole("list", { name: "Variables" }).querySelectorAll("li")).map((l) => l.textContent)).toEqual(["name", "city"]);
    fireEvent.change(screen.getByLabelText("Commit message"), { target: { value: "tweak" } });
    fireEvent.click(screen.getByRole("button", { name: "Save new version" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Saved as version 4.");
    expect(calls[0]?.url).toBe("/api/v1/prompts/team/greeting/versions");
    expect(calls[0]?.headers["X-CSRFToken"]).toBe("t0k");
    expect(calls[0]?.headers["X-Project-Id"]).toBe("proj-1");
    expect(calls[0]?.body).toEqual({ template: "Hello {{name}} from {{city}}", commit_message: "tweak" });
    expect(onSaved).toHaveBeenCalledOnce();
  });

  it("shows field errors from the API", async () => {
    mockFetch(() => ({ status: 400, body: { error: "invalid", message: "Invalid input.", fields: { template: ["'{{' at character 0 is never closed"] } } }));
    render(<VersionEditor initial="{{" onSave={(input) => api.createVersion("p", input)} onSaved={() => undefined} />);
    fireEvent.click(screen.getByRole("button", { name: "Save new version" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("template: '{{' at character 0 is never closed");
  });
});
