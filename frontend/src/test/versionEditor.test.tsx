import { fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setProjectId } from "../api/client";
import { promptsApi } from "../api/prompts";
import type { ChatTemplateMessage, VersionCreateInput } from "../api/types";
import { VersionEditor } from "../components/VersionEditor";
import { checkConfig } from "../pages/prompts/configCheck";
import { mockFetch } from "./fetchMock";

afterEach(() => vi.unstubAllGlobals());

function savedAs(number: number, body: unknown) {
  const input = body as VersionCreateInput;
  return {
    status: 201,
    body: {
      created: true,
      version: {
        number, content_hash: "h", template: input.template, config: input.config ?? {},
        variables: [], includes: [], commit_message: input.commit_message ?? "", author: "ada",
        derived_from: null, created_at: "2026-01-01T00:00:00Z", labels: [],
      },
    },
  };
}

const roles = () => screen.getAllByLabelText(/^Role of message/).map((s) => (s as HTMLSelectElement).value);
const contents = () => screen.getAllByLabelText(/^Content of message/).map((t) => (t as HTMLTextAreaElement).value);

describe("new version editor: text", () => {
  it("lists variables as you type and POSTs the new version with project and CSRF headers", async () => {
    document.cookie = "csrftoken=t0k; path=/";
    setProjectId("proj-1");
    const calls = mockFetch((call) => (call.method === "POST" ? savedAs(4, call.body) : undefined));
    const onSaved = vi.fn();
    render(<VersionEditor initial="Hello {{name}}" onSave={(input) => promptsApi.createVersion("team/greeting", input)} onSaved={onSaved} />);
    expect(screen.getByRole("list", { name: "Variables" })).toHaveTextContent("name");
    fireEvent.change(screen.getByLabelText("Template"), { target: { value: "Hello {{name}} from {{city}}" } });
    expect(Array.from(screen.getByRole("list", { name: "Variables" }).querySelectorAll("li")).map((l) => l.textContent)).toEqual(["name", "city"]);
    fireEvent.change(screen.getByLabelText("Commit message"), { target: { value: "tweak" } });
    fireEvent.click(screen.getByRole("button", { name: "Save new version" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Saved as version 4.");
    expect(calls[0]?.url).toBe("/api/v1/prompts/team/greeting/versions");
    expect(calls[0]?.headers["X-CSRFToken"]).toBe("t0k");
    expect(calls[0]?.headers["X-Project-Id"]).toBe("proj-1");
    expect(calls[0]?.body).toEqual({ template: "Hello {{name}} from {{city}}", config: {}, commit_message: "tweak" });
    expect(onSaved).toHaveBeenCalledOnce();
  });

  it("shows the server's field errors next to the field they name", async () => {
    mockFetch(() => ({
      status: 400,
      body: { error: "invalid", message: "Invalid input.", fields: { template: ["'{{' at character 0 is never closed"], config: ["Expected a dictionary of items"] } },
    }));
    render(<VersionEditor initial="{{" onSave={(input) => promptsApi.createVersion("p", input)} onSaved={() => undefined} />);
    fireEvent.click(screen.getByRole("button", { name: "Save new version" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Invalid input.");
    const template = screen.getByLabelText("Template");
    expect(template).toHaveAttribute("aria-invalid", "true");
    expect(template).toHaveAccessibleDescription("'{{' at character 0 is never closed");
    expect(screen.getByLabelText("Config (JSON object)")).toHaveAccessibleDescription(/Expected a dictionary of items/);
  });
});

describe("new version editor: config", () => {
  it("validates the config as you type and blocks saving until it is an object with typed keys", async () => {
    const calls = mockFetch((call) => (call.method === "POST" ? savedAs(2, call.body) : undefined));
    render(<VersionEditor initial="Hi" onSave={(input) => promptsApi.createVersion("p", input)} onSaved={() => undefined} />);
    const config = screen.getByLabelText("Config (JSON object)");
    const save = screen.getByRole("button", { name: "Save new version" });

    fireEvent.change(config, { target: { value: '{"model": ' } });
    expect(screen.getByText(/Config is not valid JSON/)).toBeInTheDocument();
    expect(save).toBeDisabled();

    fireEvent.change(config, { target: { value: "[1, 2]" } });
    expect(screen.getByText('Config must be a JSON object like {"model": "…"}, not a list.')).toBeInTheDocument();

    fireEvent.change(config, { target: { value: '{"model": 4, "tools": {"name": "x"}, "parameters": [] }' } });
    expect(config).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByText('"model" must be a non-empty string (a model name), not a number.')).toBeInTheDocument();
    expect(screen.getByText('"tools" must be a list of tool objects, not an object.')).toBeInTheDocument();
    expect(screen.getByText(/"parameters" must be an object/)).toBeInTheDocument();
    expect(save).toBeDisabled();

    fireEvent.change(config, { target: { value: '{"model": "gpt-4o-mini", "parameters": {"temperature": 0.2}, "tools": []}' } });
    expect(screen.queryByText(/must be/)).not.toBeInTheDocument();
    expect(save).toBeEnabled();
    fireEvent.click(save);
    expect(await screen.findByRole("status")).toHaveTextContent("Saved as version 2.");
    expect((calls[0]?.body as VersionCreateInput).config).toEqual({ model: "gpt-4o-mini", parameters: { temperature: 0.2 }, tools: [] });
  });

  it("checks nested tool entries and accepts an empty config", () => {
    expect(checkConfig("  ")).toEqual({ config: {}, errors: [] });
    expect(checkConfig('{"tools": [{"type": "function"}, 3]}').errors).toEqual(['"tools[1]" must be an object, not a number.']);
    expect(checkConfig('{"response_format": "json"}').errors).toEqual([
      '"response_format" must be an object like {"type": "json_object"}, not a string.',
    ]);
  });
});

describe("new version editor: chat", () => {
  const initial: ChatTemplateMessage[] = [
    { role: "system", content: "Be brief." },
    { role: "user", content: "About {{topic}}" },
  ];

  it("adds, reorders and removes messages and placeholders, then saves them in order", async () => {
    const calls = mockFetch((call) => (call.method === "POST" ? savedAs(3, call.body) : undefined));
    render(<VersionEditor initial={initial} onSave={(input) => promptsApi.createVersion("chat", input)} onSaved={() => undefined} />);
    expect(roles()).toEqual(["system", "user"]);
    expect(screen.getByRole("button", { name: "Move message 1 up" })).toBeDisabled();

    fireEvent.click(screen.getByRole("button", { name: "Add message" }));
    expect(screen.getByLabelText("Role of message 3")).toHaveFocus();
    fireEvent.change(screen.getByLabelText("Role of message 3"), { target: { value: "assistant" } });
    fireEvent.change(screen.getByLabelText("Content of message 3"), { target: { value: "Sure, {{name}}." } });
    expect(Array.from(screen.getByRole("list", { name: "Variables" }).querySelectorAll("li")).map((l) => l.textContent)).toEqual(["topic", "name"]);

    // Keyboard-usable reordering: the moved message's button keeps focus at its new place.
    const up = screen.getByRole("button", { name: "Move message 3 up" });
    up.focus();
    fireEvent.click(up);
    expect(roles()).toEqual(["system", "assistant", "user"]);
    expect(screen.getByRole("button", { name: "Move message 2 up" })).toHaveFocus();
    fireEvent.click(screen.getByRole("button", { name: "Move message 1 down" }));
    expect(roles()).toEqual(["assistant", "system", "user"]);
    expect(contents()).toEqual(["Sure, {{name}}.", "Be brief.", "About {{topic}}"]);

    fireEvent.click(screen.getByRole("button", { name: "Add placeholder" }));
    const placeholder = screen.getByLabelText("Placeholder name of message 4");
    expect(placeholder).toHaveValue("history");
    fireEvent.change(placeholder, { target: { value: "chat_history" } });
    fireEvent.click(screen.getByRole("button", { name: "Move message 4 up" }));
    expect(within(screen.getByRole("list", { name: "Placeholders" })).getByText("chat_history")).toBeInTheDocument();

    fireEvent.click(screen.getByRole("button", { name: "Remove message 1" }));
    expect(roles()).toEqual(["system", "user"]);

    fireEvent.change(screen.getByLabelText("Commit message"), { target: { value: "history" } });
    fireEvent.click(screen.getByRole("button", { name: "Save new version" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Saved as version 3.");
    expect((calls[0]?.body as VersionCreateInput).template).toEqual([
      { role: "system", content: "Be brief." },
      { type: "placeholder", name: "chat_history" },
      { role: "user", content: "About {{topic}}" },
    ]);
  });

  it("shows a server error under the message it names", async () => {
    mockFetch(() => ({
      status: 400,
      body: { error: "invalid", message: "Invalid input.", fields: { "template[1].content": ["'}}' at character 3 closes no '{{'"] } },
    }));
    render(<VersionEditor initial={initial} onSave={(input) => promptsApi.createVersion("chat", input)} onSaved={() => undefined} />);
    fireEvent.click(screen.getByRole("button", { name: "Save new version" }));
    await screen.findByRole("alert");
    const second = screen.getAllByRole("group")[1] as HTMLElement;
    expect(within(second).getByText("template[1].content: '}}' at character 3 closes no '{{'")).toBeInTheDocument();
    expect(within(screen.getAllByRole("group")[0] as HTMLElement).queryByText(/closes no/)).not.toBeInTheDocument();
  });
});
