import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Connections } from "../pages/evaluation/Connections";
import { OnlineRules } from "../pages/evaluation/OnlineRules";
import { mockFetch } from "./fetchMock";

afterEach(() => vi.unstubAllGlobals());

describe("connections", () => {
  it("sends the key once and only ever shows whether one is stored", async () => {
    const saved: unknown[] = [];
    const calls = mockFetch((call) => {
      if (call.url === "/api/v1/connections" && call.method === "POST") {
        saved.push(call.body);
        return { status: 201, body: {} };
      }
      if (call.url === "/api/v1/connections")
        return {
          body: saved.length
            ? [{ name: "openai", base_url: "https://api.example/v1", model_names: ["m1", "m2"], has_api_key: true, concurrency: 4, timeout_seconds: 30, created_at: "2026-11-30T05:00:00Z" }]
            : [],
        };
      return undefined;
    });
    render(<Connections />);
    expect(await screen.findByText(/No connections yet/)).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText("Connection name"), { target: { value: "openai" } });
    fireEvent.change(screen.getByLabelText("Base URL"), { target: { value: "https://api.example/v1" } });
    fireEvent.change(screen.getByLabelText("Models (comma-separated)"), { target: { value: "m1, m2" } });
    fireEvent.change(screen.getByLabelText("API key"), { target: { value: "sk-secret-123" } });
    fireEvent.change(screen.getByLabelText("Concurrency"), { target: { value: "4" } });
    fireEvent.change(screen.getByLabelText("Timeout (s)"), { target: { value: "30" } });
    fireEvent.click(screen.getByRole("button", { name: "Save connection" }));
    expect(await screen.findByText("stored (hidden)")).toBeInTheDocument();
    expect(saved).toEqual([
      { name: "openai", base_url: "https://api.example/v1", model_names: ["m1", "m2"], api_key: "sk-secret-123", concurrency: 4, timeout_seconds: 30 },
    ]);
    // The form forgets the key once it is saved, and the page never shows it.
    expect(screen.getByLabelText("API key")).toHaveValue("");
    expect(document.body.textContent).not.toContain("sk-secret-123");
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(1);
  });
});

describe("online rules", () => {
  it("refuses evaluators that are not a list of typed objects, without a request", async () => {
    const calls = mockFetch((call) => (call.url === "/api/v1/online-rules" ? { body: [] } : undefined));
    render(<OnlineRules />);
    await screen.findByText(/No online rules yet/);
    fireEvent.change(screen.getByLabelText("Rule name"), { target: { value: "json-check" } });
    fireEvent.change(screen.getByLabelText("Evaluators (JSON list)"), { target: { value: '[{"name": "x"}]' } });
    fireEvent.click(screen.getByRole("button", { name: "Save rule" }));
    expect(await screen.findByText(/evaluators\[0\]\.type: required/)).toBeInTheDocument();
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);
  });

  it("posts a rule with its parsed filter and sampling rate", async () => {
    const calls = mockFetch((call) => {
      if (call.url === "/api/v1/online-rules" && call.method === "POST") return { status: 201, body: {} };
      if (call.url === "/api/v1/online-rules") return { body: [] };
      return undefined;
    });
    render(<OnlineRules />);
    await screen.findByText(/No online rules yet/);
    fireEvent.change(screen.getByLabelText("Rule name"), { target: { value: "json-check" } });
    fireEvent.change(screen.getByLabelText("Sampling rate (0–1)"), { target: { value: "0.25" } });
    fireEvent.change(screen.getByLabelText("Trace filter (JSON, as the trace list takes it)"), { target: { value: '{"name": "chat"}' } });
    fireEvent.click(screen.getByRole("button", { name: "Save rule" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({
      name: "json-check",
      filter: { name: "chat" },
      sampling_rate: 0.25,
      evaluators: [{ type: "json_valid" }],
      enabled: true,
    });
  });
});
