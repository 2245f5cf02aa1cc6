import { render, screen, within } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { assistantText, conversationTurns, userText } from "../pages/traces/conversation";
import { SessionDetail } from "../pages/traces/SessionDetail";
import { mockFetch } from "./fetchMock";
import { makeSpan, makeTrace, node } from "./traces-fixtures";

afterEach(() => vi.unstubAllGlobals());

describe("a session as a conversation", () => {
  it("takes the last user message of chat input and the assistant's answer of chat output", () => {
    const history = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello." },
      { role: "user", content: [{ type: "text", text: "Where is my parcel?" }] },
    ];
    expect(userText(history)).toBe("Where is my parcel?");
    expect(assistantText([{ role: "assistant", content: "It ships tomorrow." }])).toBe("It ships tomorrow.");
    expect(userText("plain question")).toBe("plain question");
    expect(userText(null)).toBeNull();
    expect(assistantText([{ role: "assistant", content: null }])).toBeNull();
  });

  it("shows a function's single recorded argument as plain text, anything else as JSON", () => {
    expect(userText(["What is your refund policy"])).toBe("What is your refund policy");
    expect(userText({ question: "Opening hours?" })).toBe("Opening hours?");
    expect(userText(["a", "b"])).toBe('["a","b"]');
    expect(assistantText({ answer: "30 days", sources: 2 })).toBe('{"answer":"30 days","sources":2}');
  });

  it("orders turns by time and falls back to the first LLM span when the root has no input", () => {
    const turns = conversationTurns([
      makeTrace({ trace_id: "t2", startMs: 60_000, input: "Can it come sooner?", output: "Express costs $5." }),
      makeTrace({
        trace_id: "t1",
        startMs: 0,
        spans: [
          node(makeSpan({ span_id: "root", kind: "agent" }), [
            node(
              makeSpan({
                span_id: "llm",
                kind: "llm",
                input: [{ role: "user", content: "Where is my parcel?" }],
                output: [{ role: "assistant", content: "It ships tomorrow." }],
              }),
            ),
          ]),
        ],
      }),
    ]);
    expect(turns.map((t) => [t.traceId, t.user, t.assistant])).toEqual([
      ["t1", "Where is my parcel?", "It ships tomorrow."],
      ["t2", "Can it come sooner?", "Express costs $5."],
    ]);
  });

  it("renders the turns as chat bubbles in order, each answer linking to its trace", async () => {
    mockFetch((call) =>
      call.url.endsWith("/api/v1/sessions/conv-9")
        ? {
            body: {
              session_id: "conv-9",
              traces: [
                makeTrace({ trace_id: "t1", name: "turn-1", user_id: "alice", input: "Where is my parcel?", output: "It ships tomorrow." }),
                makeTrace({ trace_id: "t2", name: "turn-2", startMs: 60_000, input: "Sooner?", output: null, status: "error" }),
              ],
            },
          }
        : undefined,
    );
    render(
      <MemoryRouter initialEntries={["/sessions/conv-9"]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <Routes>
          <Route path="/sessions/:sessionId" element={<SessionDetail />} />
        </Routes>
      </MemoryRouter>,
    );
    const conversation = await screen.findByRole("list", { name: "Conversation" });
    const bubbles = within(conversation).getAllByRole("listitem");
    expect(bubbles.map((b) => b.getAttribute("data-role"))).toEqual(["user", "assistant", "user", "assistant"]);
    expect(bubbles[0]).toHaveTextContent("Where is my parcel?");
    expect(bubbles[1]).toHaveTextContent("It ships tomorrow.");
    expect(bubbles[3]).toHaveTextContent("Failed without an answer.");
    expect(within(bubbles[1]!).getByRole("link", { name: "Trace 1: turn-1" })).toHaveAttribute("href", "/traces/t1");
    expect(within(bubbles[3]!).getByRole("link", { name: "Trace 2: turn-2" })).toHaveAttribute("href", "/traces/t2");
    expect(screen.getByRole("link", { name: "alice" })).toHaveAttribute("href", "/traces?user_id=alice");
  });

  it("says when a session is longer than the page shows", async () => {
    const traces = Array.from({ length: 500 }, (_, i) =>
      makeTrace({ trace_id: `t${i}`, name: `turn-${i}`, startMs: i * 1000, input: `q${i}`, output: `a${i}` }),
    );
    mockFetch((call) => (call.url.endsWith("/api/v1/sessions/long") ? { body: { session_id: "long", traces } } : undefined));
    render(
      <MemoryRouter initialEntries={["/sessions/long"]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <Routes>
          <Route path="/sessions/:sessionId" element={<SessionDetail />} />
        </Routes>
      </MemoryRouter>,
    );
    const notice = await screen.findByRole("status");
    expect(notice).toHaveTextContent("first 500 traces");
    expect(within(notice).getByRole("link", { name: "The trace list" })).toHaveAttribute("href", "/traces?session_id=long");
  });
});
