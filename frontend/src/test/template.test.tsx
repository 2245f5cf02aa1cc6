import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { TemplateHighlight } from "../components/TemplateHighlight";
import { extractVariables, tokenizeTemplate } from "../lib/template";

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
