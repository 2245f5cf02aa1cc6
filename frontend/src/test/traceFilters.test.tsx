import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter, useLocation } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { filtersFromSearch, filtersToApiQuery, filtersToSearch, withFilter } from "../lib/traceFilters";
import { TracesList } from "../pages/traces/TracesList";
import { mockFetch } from "./fetchMock";

function Location() {
  const location = useLocation();
  return <output data-testid="location">{location.search}</output>;
}

const trace = (id: string) => ({
  trace_id: id, name: `chat-${id}`, start_time: "2026-01-01T10:00:00Z", end_time: "2026-01-01T10:00:01Z",
  latency_ms: 1200, status: "ok", user_id: "u1", session_id: "s1", tags: ["prod"], metadata: {},
  environment: "", release: "", input_tokens: 10, output_tokens: 5, total_tokens: 15, cost_total: "0.000150000000",
  unpriced_span_count: 0, span_count: 2, error_count: 0, scores: {},
});

afterEach(() => vi.unstubAllGlobals());

describe("trace filters <-> URL", () => {
  it("round-trips through the query string and drops empty values", () => {
    const filters = { name: "chat completion", user_id: "alice", session_id: "", tags: " prod , eu ,," };
    const search = filtersToSearch(filters).toString();
    expect(search).toBe("name=chat+completion&user_id=alice&tags=prod%2Ceu");
    expect(filtersFromSearch(search)).toEqual({ name: "chat completion", user_id: "alice", tags: "prod,eu" });
    expect(filtersFromSearch(filtersToSearch(filtersFromSearch(search)))).toEqual(filtersFromSearch(search));
    expect(filtersFromSearch("?other=1&cursor=abc")).toEqual({});
  });

  it("reads filters from the URL, sends them to the API, writes applied filters back, and loads more by cursor", async () => {
    const calls = mockFetch((call) => {
      const url = new URL(call.url, "http://x");
      if (url.pathname !== "/api/v1/traces") return undefined;
      if (url.searchParams.get("cursor") === "c2") return { body: { items: [trace("b")], next_cursor: null } };
      return { body: { items: [trace("a")], next_cursor: "c2" } };
    });
    render(
      <MemoryRouter initialEntries={["/traces?user_id=alice&tags=prod"]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <TracesList />
        <Location />
      </MemoryRouter>,
    );
    expect(screen.getByLabelText("User ID")).toHaveValue("alice");
    await screen.findByText("chat-a");
    const first = new URL(calls[0]!.url, "http://x");
    expect(first.searchParams.get("user_id")).toBe("alice");
    expect(first.searchParams.get("tags")).toBe("prod");

    fireEvent.click(screen.getByRole("button", { name: "Load more" }));
    await screen.findByText("chat-b");
    expect(screen.getByText("chat-a")).toBeInTheDocument();
    expect(new URL(calls[1]!.url, "http://x").searchParams.get("cursor")).toBe("c2");

    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "rag" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply" }));
    await waitFor(() => expect(screen.getByTestId("location").textContent).toBe("?name=rag&user_id=alice&tags=prod"));
    await waitFor(() => expect(new URL(calls.at(-1)!.url, "http://x").searchParams.get("name")).toBe("rag"));
  });

  it("turns a relative range into `from`, local date-times into UTC, and keeps the rest as sent", () => {
    const now = Date.parse("2026-03-10T12:00:00Z");
    expect(filtersToApiQuery({ range: "24h", user_id: "alice", max_cost: "0.5", score_name: "helpful", score_min: "0.7" }, now)).toEqual({
      user_id: "alice",
      max_cost: "0.5",
      score_name: "helpful",
      score_min: "0.7",
      from: "2026-03-09T12:00:00.000Z",
    });
    const local = "2026-03-01T08:30";
    expect(filtersToApiQuery({ from: local, range: "7d" }, now)).toEqual({ from: new Date(local).toISOString() });
    expect(filtersToApiQuery({ to: "2026-03-02T00:00:00Z" }, now)).toEqual({ to: "2026-03-02T00:00:00Z" });
    expect(filtersToApiQuery({ range: "forever" }, now)).toEqual({});
  });

  it("links a user or session value in the list to the list filtered by it", async () => {
    mockFetch((call) => (new URL(call.url, "http://x").pathname === "/api/v1/traces" ? { body: { items: [trace("a")], next_cursor: null } } : undefined));
    render(
      <MemoryRouter initialEntries={["/traces?tags=prod"]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <TracesList />
      </MemoryRouter>,
    );
    expect(await screen.findByRole("link", { name: "u1" })).toHaveAttribute("href", "/traces?user_id=u1&tags=prod");
    expect(screen.getByRole("link", { name: "s1" })).toHaveAttribute("href", "/traces?session_id=s1&tags=prod");
    expect(withFilter({ user_id: "u1", tags: "prod" }, "user_id", "")).toEqual({ tags: "prod" });
  });

  it("names the filter the API refused", async () => {
    mockFetch(() => ({ status: 400, body: { error: "invalid", message: "Invalid request.", fields: { score_min: ["Needs score_name."] } } }));
    render(
      <MemoryRouter initialEntries={["/traces?score_min=0.5"]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <TracesList />
      </MemoryRouter>,
    );
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not load traces: Invalid request. score_min: Needs score_name.");
    // The refused filter sits under "More filters", which opens to show it.
    expect(screen.getByLabelText("Score at least")).toHaveValue(0.5);
    expect(screen.getByText(/^More filters/).closest("details")).toHaveAttribute("open");
  });

  it("sorts by a column from its header, largest first, then the reverse", async () => {
    mockFetch((call) => (new URL(call.url, "http://x").pathname === "/api/v1/traces" ? { body: { items: [trace("a")], next_cursor: null } } : undefined));
    render(
      <MemoryRouter initialEntries={["/traces?user_id=u1&order_by=-latency_ms"]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        <TracesList />
      </MemoryRouter>,
    );
    await screen.findByText("chat-a");
    expect(screen.getByRole("columnheader", { name: /Latency/ })).toHaveAttribute("aria-sort", "descending");
    expect(screen.getByRole("link", { name: /Latency/ })).toHaveAttribute("href", "/traces?user_id=u1&order_by=latency_ms");
    expect(screen.getByRole("link", { name: /Cost/ })).toHaveAttribute("href", "/traces?user_id=u1&order_by=-cost_total");
    expect(screen.getByRole("columnheader", { name: /Time/ })).toHaveAttribute("aria-sort", "none");
    expect(screen.getByRole("link", { name: /Time/ })).toHaveAttribute("href", "/traces?user_id=u1");
  });
});
