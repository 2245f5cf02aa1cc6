import { render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it } from "vitest";
import type { Score } from "../api/types";
import { SpanDetail, usageRows } from "../pages/traces/SpanDetail";
import { makeSpan } from "./traces-fixtures";

const llm = makeSpan({
  span_id: "llm",
  name: "chat claude",
  kind: "llm",
  model_requested: "claude-sonnet",
  prompt_name: "support/answer",
  prompt_version: "3",
  usage: { input_tokens: 1000, output_tokens: 200, cache_read_tokens: 4000, cache_write_tokens: 0, reasoning_tokens: 50, total_tokens: 1200, estimated: false },
  cost: { input: "0.003", output: "0.003", cache_read: "0.0012", cache_write: null, reasoning: "0.00075", total: "0.00795", source: "price_table" },
});

const score: Score = {
  id: "sc1", trace_id: "t", span_id: "llm", name: "helpfulness", data_type: "numeric", value: 0.8, string_value: "",
  comment: "clear answer", source: "annotation", metadata: {}, author: "ann", created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z",
};

function show(span = llm, scores: Score[] = []) {
  render(
    <MemoryRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
      <SpanDetail span={span} offsetMs={250} scores={scores} />
    </MemoryRouter>,
  );
}

describe("span detail", () => {
  it("lists usage and cost per token type, only the types the span has", () => {
    expect(usageRows(llm).map((r) => [r.label, r.tokens, r.cost])).toEqual([
      ["Input", 1000, "0.003"],
      ["Output", 200, "0.003"],
      ["Cache read", 4000, "0.0012"],
      ["Reasoning", 50, "0.00075"],
      ["Total", 1200, "0.00795"],
    ]);
    show(llm, [score]);
    const table = screen.getByRole("table", { name: "Usage and cost" });
    expect(within(table).getByRole("row", { name: /Cache read/ })).toHaveTextContent("$0.0012");
    expect(within(table).getByRole("row", { name: /Total/ })).toHaveTextContent("$0.0080");
    expect(screen.getByText(/starting at \+250 ms/)).toBeInTheDocument();
  });

  it("links the prompt version it ran and shows the span's scores", () => {
    show(llm, [score]);
    expect(screen.getByRole("link", { name: "support/answer v3" })).toHaveAttribute("href", "/prompts/support/answer?version=3");
    const scores = screen.getByRole("region", { name: "Span scores" });
    expect(within(scores).getByRole("row", { name: /helpfulness/ })).toHaveTextContent("0.800annotation · annclear answer");
  });

  it("shows a tool span's arguments and result", () => {
    show(
      makeSpan({
        span_id: "tool",
        name: "get_weather",
        kind: "tool",
        input: { city: "Paris" },
        output: { temperature_c: 21 },
        metadata: { tool: { name: "get_weather", call_id: "call-1" } },
      }),
    );
    expect(screen.getByRole("region", { name: "Arguments" })).toHaveTextContent('"city": "Paris"');
    expect(screen.getByRole("region", { name: "Result" })).toHaveTextContent('"temperature_c": 21');
    expect(screen.queryByRole("region", { name: "Input" })).toBeNull();
    expect(screen.queryByRole("table", { name: "Usage and cost" })).toBeNull();
  });

  it("shows recorded exceptions with their stack traces", () => {
    show(
      makeSpan({
        span_id: "boom",
        name: "call-api",
        status: "error",
        error_type: "TimeoutError",
        events: [
          { name: "retry", attributes: {} },
          {
            name: "exception",
            time_unix_nano: 1,
            attributes: { "exception.type": "TimeoutError", "exception.message": "read timed out", "exception.stacktrace": "Traceback (most recent call last):\n  ..." },
          },
        ],
      }),
    );
    const exceptions = screen.getByRole("region", { name: "Exceptions" });
    expect(exceptions).toHaveTextContent("TimeoutError: read timed out");
    expect(exceptions.querySelector("pre")?.textContent).toBe("Traceback (most recent call last):\n  ...");
  });
});
