import { fireEvent, render, screen, within } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TraceDetail } from "../pages/traces/TraceDetail";
import { traceExtent, waterfallRows } from "../pages/traces/waterfall";
import { mockFetch } from "./fetchMock";
import { makeSpan, makeTrace, node } from "./traces-fixtures";

afterEach(() => vi.unstubAllGlobals());

// root 0..1000 ms; retrieve 100..300; llm 400..900 with a tool call 850..870 inside it.
const tree = [
  node(makeSpan({ span_id: "root", kind: "agent", duration_ms: 1000 }), [
    node(makeSpan({ span_id: "retrieve", kind: "retriever", startMs: 100, duration_ms: 200 })),
    node(makeSpan({ span_id: "llm", kind: "llm", startMs: 400, duration_ms: 500 }), [
      node(makeSpan({ span_id: "tool", kind: "tool", startMs: 850, duration_ms: 20 })),
    ]),
  ]),
];

describe("waterfall maths", () => {
  it("places each bar at its offset and sizes it by its duration, relative to the trace", () => {
    const rows = waterfallRows(tree);
    expect(rows.map((r) => [r.span.span_id, r.depth, r.offsetMs, r.left, r.width])).toEqual([
      ["root", 0, 0, 0, 100],
      ["retrieve", 1, 100, 10, 20],
      ["llm", 1, 400, 40, 50],
      ["tool", 2, 850, 85, 2],
    ]);
    expect(rows.map((r) => r.hasChildren)).toEqual([true, false, true, false]);
  });

  it("measures the extent from the earliest start to the latest end, even past the root", () => {
    const late = [node(makeSpan({ span_id: "a", duration_ms: 100 })), node(makeSpan({ span_id: "b", startMs: 300, duration_ms: 100 }))];
    const { start, end } = traceExtent(late);
    expect(end - start).toBe(400);
    expect(waterfallRows(late).map((r) => [r.left, r.width])).toEqual([
      [0, 25],
      [75, 25],
    ]);
  });

  it("keeps instant spans visible and inside the timeline", () => {
    const rows = waterfallRows([
      node(makeSpan({ span_id: "root", duration_ms: 1000 }), [node(makeSpan({ span_id: "instant", startMs: 1000, duration_ms: 0 }))]),
    ]);
    const instant = rows[1]!;
    expect(instant.width).toBe(0.5);
    expect(instant.left + instant.width).toBeLessThanOrEqual(100);
  });

  it("hides the descendants of collapsed spans", () => {
    expect(waterfallRows(tree, new Set(["llm"])).map((r) => r.span.span_id)).toEqual(["root", "retrieve", "llm"]);
    expect(waterfallRows(tree, new Set(["root"])).map((r) => r.span.span_id)).toEqual(["root"]);
  });
});

describe("trace detail page", () => {
  it("draws the bars, collapses a subtree and shows the chosen span's documents and raw attributes", async () => {
    const retriever = makeSpan({
      span_id: "retrieve",
      name: "search-kb",
      kind: "retriever",
      startMs: 100,
      duration_ms: 200,
      documents: [
        { id: "kb-7", content: "Parcels ship within 2 days.", score: 0.92 },
        { id: "kb-3", content: "Returns take a week.", score: 0.41 },
      ],
      attributes: { "kb.shard": "eu-west-3" },
    });
    const trace = makeTrace({
      trace_id: "t1",
      name: "rag-agent",
      span_count: 4,
      input: "When does my parcel ship?",
      output: [{ role: "assistant", content: "Within 2 days." }],
      spans: [
        node(makeSpan({ span_id: "root", name: "rag-agent", kind: "agent", duration_ms: 1000 }), [
          node(retriever),
          node(makeSpan({ span_id: "llm", name: "chat", kind: "llm", startMs: 400, duration_ms: 500 }), [
            node(makeSpan({ span_id: "tool", name: "lookup", kind: "tool", startMs: 850, duration_ms: 20 })),
          ]),
        ]),
      ],
    });
    mockFetch((call) => (call.url.endsWith("/api/v1/traces/t1") ? { body: trace } : undefined));
    render(
      <MemoryRouter initialEntries={["/traces/t1"]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <Routes>
          <Route path="/traces/:traceId" element={<TraceDetail />} />
        </Routes>
      </MemoryRouter>,
    );
    const timeline = await screen.findByRole("list", { name: "Span timeline" });
    expect(screen.getByRole("region", { name: "Trace input" })).toHaveTextContent("When does my parcel ship?");
    expect(within(screen.getByRole("region", { name: "Trace output" })).getByRole("list", { name: "Conversation" })).toHaveTextContent("Within 2 days.");
    const bar = within(timeline).getByRole("button", { name: /search-kb/ }).querySelector(".timeline-bar") as HTMLElement;
    expect(bar.style.left).toBe("10%");
    expect(bar.style.width).toBe("20%");

    fireEvent.click(within(timeline).getByRole("button", { name: "Collapse chat" }));
    expect(within(timeline).queryByRole("button", { name: /lookup/ })).toBeNull();
    fireEvent.click(within(timeline).getByRole("button", { name: "Expand chat" }));
    expect(within(timeline).getByRole("button", { name: /lookup/ })).toBeInTheDocument();

    const rootButton = within(timeline).getByRole("button", { name: /^agent rag-agent/ });
    rootButton.focus();
    fireEvent.keyDown(rootButton, { key: "ArrowDown" });
    expect(document.activeElement).toBe(within(timeline).getByRole("button", { name: /search-kb/ }));
    fireEvent.keyDown(document.activeElement!, { key: "ArrowUp" });
    expect(document.activeElement).toBe(rootButton);

    fireEvent.click(within(timeline).getByRole("button", { name: /search-kb/ }));
    const detail = screen.getByRole("region", { name: "Span search-kb" });
    const docs = within(within(detail).getByRole("list", { name: "Retrieved documents" })).getAllByRole("listitem");
    expect(docs.map((d) => d.querySelector(".doc-score")?.textContent)).toEqual(["score 0.92", "score 0.41"]);
    expect(within(detail).queryByRole("region", { name: "Raw attributes" })).toBeNull();
    fireEvent.click(within(detail).getByRole("button", { name: "Show raw attributes" }));
    expect(within(detail).getByRole("region", { name: "Raw attributes" })).toHaveTextContent('"kb.shard": "eu-west-3"');
  });
});
