import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Run } from "../api/types";
import { RunSummary } from "../pages/evaluation/RunSummary";

function runWith(thresholds: object[]): Run {
  return {
    summary: {
      evaluators: {
        correct: { count: 5, scored: 5, errored: 0, mean: 0, pass_rate: 0 },
        mentions: { count: 5, scored: 0, errored: 5, mean: null, pass_rate: null },
      },
    },
    thresholds,
  } as unknown as Run;
}

describe("run summary thresholds", () => {
  it("states a failed threshold's actual value once, and explains a threshold with no value", () => {
    render(
      <RunSummary
        run={runWith([
          {
            evaluator: "correct",
            kind: "min_pass_rate",
            value: 0.8,
            description: "pass rate of correct >= 0.8",
            passed: false,
            actual: 0.25,
            baseline: null,
            message: "0.25",
          },
          {
            evaluator: "mentions",
            kind: "min_mean",
            value: 0.5,
            description: "mean of mentions >= 0.5",
            passed: false,
            actual: null,
            baseline: null,
            message: "no scored items",
          },
        ])}
      />,
    );
    const correct = screen.getByText(/pass rate of correct >= 0.8/).closest("div");
    expect(correct?.textContent).toBe("failed pass rate of correct >= 0.8: actual 0.250");
    const mentions = screen.getByText(/mean of mentions >= 0.5/).closest("div");
    expect(mentions?.textContent).toContain("no scored items");
  });
});
