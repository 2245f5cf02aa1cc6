import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { TemplateHighlight } from "../components/TemplateHighlight";
import { extractVariables, placeholderNames, templateVariables, tokenizeTemplate } from "../lib/template";

describe("template variables", () => {
  it("extracts distinct variables in order, skipping includes and invalid tags", () => {
    const text = "Hi {{ name }}, you are {{age}}. {{> footer@staging}} Again {{name}} {{not valid!}} {{user.email}}";
    expect(extractVariables(text)).toEqual(["name", "age", "user.email"]);
  });

  it("tokenizes text, variables, includes and unclosed braces", () => {
    expect(tokenizeTemplate("a {{x}} b {{> p#2}} c {{ open")).toEqual([
      { kind: "text", value: "a " },
      { kind: "variable", value: "x", raw: "{{x}}" },
      { kind: "text", value: " b " },
      { kind: "include", value: "> p#2", raw: "{{> p#2}}" },
      { kind: "text", value: " c {{ open" },
    ]);
    expect(extractVariables("no tags here")).toEqual([]);
  });

  it("highlights each variable in the rendered template", () => {
    const { container } = render(<TemplateHighlight text={"Dear {{name}},\nyour order {{order_id}} shipped."} />);
    const marks = container.querySelectorAll("mark.tpl-variable");
    expect(Array.from(marks).map((m) => m.textContent)).toEqual(["{{name}}", "{{order_id}}"]);
    expect(screen.getByTestId("template-highlight").textContent).toBe("Dear {{name}},\nyour order {{order_id}} shipped.");
  });
});

describe("chat template variables", () => {
  it("collects variables across messages in order and lists placeholders", () => {
    const chat = [
      { role: "system", content: "You help {{customer}}." },
      { type: "placeholder" as const, name: "history" },
      { role: "user", content: "{{question}} for {{customer}}" },
    ];
    expect(templateVariables(chat)).toEqual(["customer", "question"]);
    expect(placeholderNames(chat)).toEqual(["history"]);
    expect(templateVariables("Hi {{name}}")).toEqual(["name"]);
    expect(placeholderNames("Hi {{name}}")).toEqual([]);
  });
});
