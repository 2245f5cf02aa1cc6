import { fireEvent, render, screen, within } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { PromptVersion } from "../api/types";
import { PromptDetail } from "../pages/prompts/PromptDetail";
import { mockFetch, type Call } from "./fetchMock";

afterEach(() => vi.unstubAllGlobals());

const version = (number: number): PromptVersion => ({
  number, lineage_ref: `ref-${number}`, content_hash: `h${number}`, template: `Text of ${number} for {{name}}`, config: {}, variables: ["name"],
  includes: [], commit_message: `change ${number}`, author: "ada", derived_from: null,
  created_at: "2026-01-01T00:00:00Z", labels: number === 60 ? ["latest"] : [],
});

const range = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, i) => version(from - i));

function answer(call: Call) {
  const url = new URL(call.url, "http://x");
  if (url.pathname === "/api/v1/prompts/support/answer/versions") {
    const before = Number(url.searchParams.get("before")) || 61;
    const limit = Number(url.searchParams.get("limit"));
    return { body: range(before - 1, Math.max(1, before - limit)) };
  }
  const single = url.pathname.match(/\/versions\/(\d+)$/);
  if (single) return { body: version(Number(single[1])) };
  if (url.pathname === "/api/v1/gates") return { body: [] };
  return { body: [] };
}

function show(path: string) {
  render(
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        <Route path="/prompts/*" element={<PromptDetail />} />
      </Routes>
    </MemoryRouter>,
  );
}

describe("prompt page", () => {
  it("reads versions a page at a time, newest first", async () => {
    const calls = mockFetch(answer);
    show("/prompts/support/answer");
    expect(await screen.findByRole("heading", { name: /^Version 60/ })).toBeInTheDocument();
    const versions = screen.getByRole("region", { name: "Versions" });
    expect(within(versions).getAllByRole("listitem")).toHaveLength(50);
    expect(calls.find((c) => c.url.includes("/versions"))?.url).toBe("/api/v1/prompts/support/answer/versions?limit=50");

    fireEvent.click(screen.getByRole("button", { name: "Load older versions" }));
    expect(await within(versions).findByRole("button", { name: /^v1\b/ })).toBeInTheDocument();
    expect(within(versions).getAllByRole("listitem")).toHaveLength(60);
    expect(calls.some((c) => c.url === "/api/v1/prompts/support/answer/versions?limit=50&before=11")).toBe(true);
    expect(screen.queryByRole("button", { name: "Load older versions" })).not.toBeInTheDocument();
  });

  it("opens the version named in the URL even when it is not on the first page", async () => {
    const calls = mockFetch(answer);
    show("/prompts/support/answer?version=3");
    expect(await screen.findByRole("heading", { name: /^Version 3/ })).toBeInTheDocument();
    expect(screen.getByTestId("template-highlight")).toHaveTextContent("Text of 3 for {{name}}");
    expect(calls.some((c) => c.url === "/api/v1/prompts/support/answer/versions/3")).toBe(true);
    fireEvent.click(screen.getByRole("button", { name: /^v59\b/ }));
    expect(await screen.findByRole("heading", { name: /^Version 59/ })).toBeInTheDocument();
  });

  it("shows a chat version as its messages, with placeholders as slots and variables marked", async () => {
    const chat: PromptVersion = {
      ...version(1),
      template: [
        { role: "system", content: "Be brief." },
        { type: "placeholder", name: "history" },
        { role: "user", content: "About {{topic}}" },
      ],
      variables: ["topic"],
    };
    mockFetch((call: Call) => (call.url.includes("/versions?") ? { body: [chat] } : { body: [] }));
    show("/prompts/support/answer");
    const messages = await screen.findByRole("list", { name: "Template messages" });
    const items = within(messages).getAllByRole("listitem");
    expect(items.map((i) => i.querySelector(".chat-role")?.textContent)).toEqual(["system", "placeholder", "user"]);
    expect(items[1]).toHaveTextContent("history");
    expect(within(items[2] as HTMLElement).getByText("{{topic}}").tagName).toBe("MARK");
  });
});
