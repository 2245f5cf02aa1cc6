import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkSuiteJson } from "../pages/evaluation/jsonFields";
import { SuiteForm } from "../pages/evaluation/SuiteForm";
import { mockFetch } from "./fetchMock";

afterEach(() => vi.unstubAllGlobals());

const target = JSON.stringify({ type: "prompt", prompt: "support/answer", connection: "local", model: "m" });
const evaluators = JSON.stringify([{ type: "contains", name: "mentions" }, { type: "exact_match" }]);

describe("suite JSON validation", () => {
  it("accepts a valid suite and returns the parsed values", () => {
    const checked = checkSuiteJson({ target, evaluators, thresholds: '[{"evaluator": "exact_match", "min_mean": 0.5}]' });
    expect(checked.ok).toBe(true);
    if (checked.ok) expect(checked.thresholds).toEqual([{ evaluator: "exact_match", min_mean: 0.5 }]);
  });

  it.each([
    [{ target: "{", evaluators, thresholds: "[]" }, "target", /Not valid JSON/],
    [{ target: '{"type": "prompt", "prompt": "p"}', evaluators, thresholds: "[]" }, "target", /target.connection/],
    [{ target, evaluators: "[]", thresholds: "[]" }, "evaluators", /at least one evaluator/],
    [{ target, evaluators: '[{"name": "x"}]', thresholds: "[]" }, "evaluators", /evaluators\[0\].type/],
    [{ target, evaluators: '[{"type": "contains"}, {"type": "contains"}]', thresholds: "[]" }, "evaluators", /two evaluators are named "contains"/],
    [{ target, evaluators: '[{"type": "judge", "prompt": "j"}]', thresholds: "[]" }, "evaluators", /evaluators\[0\].connection/],
    [{ target, evaluators, thresholds: '[{"evaluator": "nope", "min_mean": 1}]' }, "thresholds", /names no evaluator/],
    [{ target, evaluators, thresholds: '[{"evaluator": "mentions"}]' }, "thresholds", /exactly one of/],
    [{ target, evaluators, thresholds: '[{"evaluator": "mentions", "min_pass_rate": 2}]' }, "thresholds", /between 0 and 1/],
    [{ target, evaluators, thresholds: '[{"evaluator": "mentions", "min_mean": -1}]' }, "thresholds", /number >= 0/],
  ])("refuses %j in %s", (texts, field, message) => {
    const checked = checkSuiteJson(texts);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.errors[field as keyof typeof checked.errors]).toMatch(message);
  });
});

describe("suite form", () => {
  it("shows a client-side error and sends nothing while the JSON is invalid", async () => {
    const calls = mockFetch((call) => (call.url === "/api/v1/datasets" ? { body: [] } : undefined));
    render(<SuiteForm initial={null} onSaved={() => undefined} />);
    fireEvent.change(screen.getByLabelText("Evaluators (JSON)"), { target: { value: '[{"type": "contains",}]' } });
    fireEvent.click(screen.getByRole("button", { name: "Create suite" }));
    expect(await screen.findByText(/Not valid JSON/)).toBeInTheDocument();
    expect(screen.getByLabelText("Evaluators (JSON)")).toHaveAttribute("aria-invalid", "true");
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);
  });

  it("posts the parsed JSON and shows the server's field errors next to the field", async () => {
    const calls = mockFetch((call) => {
      if (call.url === "/api/v1/datasets") return { body: [{ name: "faq", description: "", latest_version: 1, created_at: "2026-01-01T00:00:00Z" }] };
      if (call.url === "/api/v1/suites" && call.method === "POST")
        return {
          status: 400,
          body: { error: "invalid", message: "Invalid input.", fields: { "evaluators[0].connection": ["no connection named 'local'"] } },
        };
      return undefined;
    });
    const onSaved = vi.fn();
    render(<SuiteForm initial={null} onSaved={onSaved} />);
    fireEvent.change(screen.getByLabelText("Suite name"), { target: { value: "gate" } });
    await screen.findByRole("option", { name: "faq" });
    fireEvent.change(screen.getByLabelText("Dataset"), { target: { value: "faq" } });
    fireEvent.change(screen.getByLabelText("Evaluators (JSON)"), {
      target: { value: '[{"type": "judge", "prompt": "j", "connection": "local", "model": "m"}]' },
    });
    fireEvent.change(screen.getByLabelText("Thresholds (JSON)"), { target: { value: "[]" } });
    fireEvent.click(screen.getByRole("button", { name: "Create suite" }));
    await waitFor(() => expect(screen.getByLabelText("Evaluators (JSON)")).toHaveAttribute("aria-invalid", "true"));
    expect(screen.getByText("evaluators[0].connection: no connection named 'local'", { selector: ".field-error" })).toBeInTheDocument();
    const post = calls.find((c) => c.method === "POST");
    expect(post?.body).toEqual({
      name: "gate",
      dataset: "faq",
      target: { type: "prompt", prompt: "support/answer", connection: "local", model: "gpt-4o-mini", params: {} },
      evaluators: [{ type: "judge", prompt: "j", connection: "local", model: "m" }],
      thresholds: [],
      baseline_label: "production",
    });
    expect(onSaved).not.toHaveBeenCalled();
  });
});
