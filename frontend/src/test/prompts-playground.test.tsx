import { fireEvent, render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { PromptVersion } from "../api/types";
import { Playground } from "../pages/prompts/Playground";
import { mockFetch, type Call } from "./fetchMock";

afterEach(() => vi.unstubAllGlobals());

const version: PromptVersion = {
  number: 2, lineage_ref: "ref-2", content_hash: "h", config: { model: "local-model" }, variables: ["topic"], includes: [],
  template: [
    { role: "system", content: "Be brief." },
    { type: "placeholder", name: "history" },
    { role: "user", content: "About {{topic}}" },
  ],
  commit_message: "", author: "ada", derived_from: null, created_at: "2026-01-01T00:00:00Z",
};

const CONNECTIONS = [
  { name: "local", base_url: "http://127.0.0.1:1/v1", model_names: ["local-model", "other"], has_api_key: true },
  { name: "backup", base_url: "http://127.0.0.1:2/v1", model_names: [], has_api_key: false },
];

function show() {
  render(
    <MemoryRouter>
      <Playground name="support/answer" version={version} />
    </MemoryRouter>,
  );
}

describe("playground", () => {
  it("renders, then runs the version on the chosen connection and links the trace", async () => {
    const calls = mockFetch((call: Call) => {
      if (call.url === "/api/v1/connections") return { body: CONNECTIONS };
      if (call.url.endsWith("/render")) {
        return { body: { version: 2, type: "chat", output: [{ role: "system", content: "Be brief." }, { role: "user", content: "About refunds" }] } };
      }
      if (call.url.endsWith("/playground")) {
        return {
          body: {
            version: 2, model: "other", rendered: [{ role: "user", content: "About refunds" }], output: "Answer: About refunds",
            input_tokens: 4, output_tokens: 3, total_tokens: 7, latency_ms: 12.5, trace_id: "ab".repeat(16),
          },
        };
      }
      return undefined;
    });
    show();
    fireEvent.change(screen.getByLabelText("topic"), { target: { value: "refunds" } });
    fireEvent.change(screen.getByLabelText("Placeholder history (JSON list of messages)"), {
      target: { value: '[{"role": "user", "content": "hi"}]' },
    });
    fireEvent.click(screen.getByRole("button", { name: "Render" }));
    expect(await within(await screen.findByRole("region", { name: "Rendered prompt" })).findByText("About refunds")).toBeInTheDocument();
    expect(calls.find((c) => c.url.endsWith("/render"))?.body).toEqual({
      version: 2,
      variables: { topic: "refunds" },
      placeholders: { history: [{ role: "user", content: "hi" }] },
    });

    expect(await screen.findByRole("option", { name: "backup" })).toBeInTheDocument();
    expect(screen.getByLabelText("Model")).toHaveAttribute("placeholder", "local-model");
    fireEvent.change(screen.getByLabelText("Model"), { target: { value: "other" } });
    fireEvent.change(screen.getByLabelText("Parameters"), { target: { value: '{"temperature": 0}' } });
    fireEvent.click(screen.getByRole("button", { name: "Run" }));
    expect(await screen.findByTestId("playground-output")).toHaveTextContent("Answer: About refunds");
    expect(screen.getByRole("link", { name: /^Open trace/ })).toHaveAttribute("href", `/traces/${"ab".repeat(16)}`);
    expect(screen.getByText(/4 in \/ 3 out tokens/)).toBeInTheDocument();
    expect(calls.find((c) => c.url.endsWith("/playground"))?.body).toEqual({
      version: 2,
      variables: { topic: "refunds" },
      placeholders: { history: [{ role: "user", content: "hi" }] },
      connection: "local",
      model: "other",
      parameters: { temperature: 0 },
    });
  });

  it("names the variable the server refused and reports a failing provider", async () => {
    let answer: { status: number; body: { error: string; message: string; fields: Record<string, string[]> } } = { status: 400, body: { error: "invalid", message: "Invalid input.", fields: { "variables.topic": ["must not be empty"] } } };
    mockFetch((call: Call) => (call.url === "/api/v1/connections" ? { body: CONNECTIONS } : answer));
    show();
    await screen.findByRole("option", { name: "local" });
    fireEvent.click(screen.getByRole("button", { name: "Run" }));
    expect(await screen.findByText("must not be empty")).toBeInTheDocument();
    expect(screen.getByLabelText("topic")).toHaveAccessibleDescription("must not be empty");

    answer = { status: 502, body: { error: "provider_error", message: "the provider failed: 500 boom", fields: {} } };
    fireEvent.click(screen.getByRole("button", { name: "Run" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("the provider failed: 500 boom");
  });

  it("checks the placeholder JSON before sending and explains how to add a connection", async () => {
    const calls = mockFetch((call: Call) => (call.url === "/api/v1/connections" ? { body: [] } : undefined));
    show();
    expect(await screen.findByText(/No provider connections yet/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Run" })).not.toBeInTheDocument();
    fireEvent.change(screen.getByLabelText("Placeholder history (JSON list of messages)"), { target: { value: '{"a": 1}' } });
    fireEvent.click(screen.getByRole("button", { name: "Render" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Placeholder history must be a list of messages.");
    expect(calls.map((c) => c.url)).toEqual(["/api/v1/connections"]);
  });
});
