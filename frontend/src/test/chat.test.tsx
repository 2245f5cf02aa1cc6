import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { asChatMessages, asToolCalls, PayloadView } from "../components/ChatMessages";

describe("chat message rendering", () => {
  it("renders a list of {role, content} as a conversation", () => {
    const { container } = render(
      <PayloadView
        value={[
          { role: "system", content: "You are terse." },
          { role: "user", content: "What is 2+2?" },
          { role: "assistant", content: [{ type: "text", text: "4" }] },
        ]}
      />,
    );
    expect(screen.getByRole("list", { name: "Conversation" })).toBeInTheDocument();
    const items = container.querySelectorAll("li.chat-msg");
    expect(Array.from(items).map((i) => i.getAttribute("data-role"))).toEqual(["system", "user", "assistant"]);
    expect(screen.getByText("What is 2+2?")).toBeInTheDocument();
    expect(items[2]?.querySelector(".chat-content")?.textContent).toBe("4");
  });

  it("accepts {messages: [...]} and rejects other shapes", () => {
    expect(asChatMessages({ messages: [{ role: "user", content: "hi" }] })).toEqual([{ role: "user", content: "hi" }]);
    expect(asChatMessages([{ role: "user" }])).toBeNull();
    expect(asChatMessages([{ content: "x" }])).toBeNull();
    expect(asChatMessages("plain text")).toBeNull();
    expect(asChatMessages([])).toBeNull();
  });

  it("falls back to text or JSON for anything else", () => {
    const { container, rerender } = render(<PayloadView value={{ query: "weather", k: 3 }} />);
    expect(screen.queryByRole("list", { name: "Conversation" })).toBeNull();
    expect(container.querySelector("pre.json")?.textContent).toContain('"query": "weather"');
    rerender(<PayloadView value="just a string" />);
    expect(container.querySelector("pre.payload-text")?.textContent).toBe("just a string");
  });

  it("shows the tool calls an assistant message asks for, with their arguments", () => {
    render(
      <PayloadView
        value={[
          { role: "assistant", content: null, tool_calls: [{ id: "call-1", name: "get_weather", arguments: '{"city":"Paris"}' }] },
          { role: "tool", content: '{"temperature_c": 21}', tool_call_id: "call-1" },
        ]}
      />,
    );
    const calls = screen.getByRole("list", { name: "Tool calls" });
    expect(calls).toHaveTextContent("get_weather");
    expect(screen.getByLabelText("Arguments of get_weather").textContent).toBe('{\n  "city": "Paris"\n}');
    expect(screen.getByText("· result of call-1")).toBeInTheDocument();
    expect(asToolCalls([{ name: "x", arguments: { a: 1 } }])).toEqual([{ id: "", name: "x", arguments: '{"a":1}' }]);
    expect(asToolCalls([{ arguments: "{}" }])).toBeNull();
  });
});
