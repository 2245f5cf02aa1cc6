import { fireEvent, render, screen, within } from "@testing-library/react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Prompt } from "../api/types";
import { PromptsList } from "../pages/prompts/PromptsList";
import { folderView } from "../pages/prompts/folders";
import { mockFetch } from "./fetchMock";

afterEach(() => vi.unstubAllGlobals());

const prompt = (name: string, tags: string[] = []): Prompt => ({
  name, type: "text", tags, description: "", created_at: "2026-01-01T00:00:00Z", latest_version: 1,
});

const ALL = [prompt("greeting", ["web"]), prompt("support/answer", ["support"]), prompt("support/triage/route"), prompt("support/close")];

function Where() {
  const location = useLocation();
  return <output aria-label="location">{location.pathname + location.search}</output>;
}

function show(path = "/prompts") {
  render(
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        <Route path="/prompts" element={<PromptsList />} />
        <Route path="/prompts/*" element={<p>prompt page</p>} />
      </Routes>
      <Where />
    </MemoryRouter>,
  );
}

describe("prompts list", () => {
  it("groups names with '/' into folders and opens them through the folder filter", async () => {
    const calls = mockFetch((call) => {
      const url = new URL(call.url, "http://x");
      const folder = url.searchParams.get("folder");
      return { body: folder ? ALL.filter((p) => p.name.startsWith(`${folder}/`)) : ALL };
    });
    show();
    const folder = await screen.findByRole("button", { name: "support/" });
    expect(folder.closest("tr")).toHaveTextContent("3 prompts");
    expect(screen.getByRole("link", { name: "greeting" })).toHaveAttribute("href", "/prompts/greeting");
    expect(screen.queryByRole("link", { name: "support/answer" })).not.toBeInTheDocument();

    fireEvent.click(folder);
    expect(await screen.findByRole("link", { name: "support/answer" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "triage/" })).toBeInTheDocument();
    expect(screen.getByLabelText("location")).toHaveTextContent("/prompts?folder=support");
    expect(calls.at(-1)?.url).toBe("/api/v1/prompts?folder=support");
    expect(within(screen.getByRole("navigation", { name: "Folder" })).getByRole("button", { name: "support" })).toHaveAttribute(
      "aria-current",
      "page",
    );
  });

  it("filters by tag on the server and says what to do when nothing matches", async () => {
    const calls = mockFetch((call) => ({ body: call.url.includes("tag=web") ? [] : ALL }));
    show();
    await screen.findByRole("link", { name: "greeting" });
    fireEvent.click(screen.getByRole("button", { name: "Filter by tag web" }));
    expect(await screen.findByText(/No prompt matches/)).toHaveTextContent("with tag “web”");
    expect(calls.at(-1)?.url).toBe("/api/v1/prompts?tag=web");
  });

  it("creates a prompt from the form and opens its page", async () => {
    const calls = mockFetch((call) => {
      if (call.method === "POST") {
        return {
          status: 201,
          body: { prompt: prompt("support/new"), version: { number: 1 } },
        };
      }
      return { body: [] };
    });
    show("/prompts?folder=support");
    expect(await screen.findByText("No prompts in support/")).toBeInTheDocument();
    fireEvent.click(screen.getByRole("button", { name: "New prompt" }));
    expect(screen.getByLabelText("Name")).toHaveValue("support/");
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "support/new" } });
    fireEvent.change(screen.getByLabelText("Type"), { target: { value: "chat" } });
    fireEvent.change(screen.getByLabelText("Content of message 1"), { target: { value: "Hi {{name}}" } });
    fireEvent.change(screen.getByLabelText("Labels"), { target: { value: "production, staging" } });
    fireEvent.change(screen.getByLabelText("Tags"), { target: { value: "support" } });
    fireEvent.click(screen.getByRole("button", { name: "Create prompt" }));
    expect(await screen.findByText("prompt page")).toBeInTheDocument();
    expect(screen.getByLabelText("location")).toHaveTextContent("/prompts/support/new");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({
      name: "support/new",
      type: "chat",
      template: [{ role: "user", content: "Hi {{name}}" }],
      config: {},
      description: "",
      tags: ["support"],
      labels: ["production", "staging"],
      commit_message: "",
    });
  });

  it("computes one level of the folder tree", () => {
    expect(folderView(ALL, "support")).toEqual({
      folders: [{ name: "triage", path: "support/triage", count: 1 }],
      prompts: [ALL[1], ALL[3]],
    });
  });
});
