import { tokenizeTemplate } from "../lib/template";

/** The template text with every `{{variable}}` and `{{> include}}` marked. */
export function TemplateHighlight({ text }: { text: string }) {
  return (
    <pre className="template-view" data-testid="template-highlight">
      {tokenizeTemplate(text).map((segment, index) =>
        segment.kind === "text" ? (
          <span key={index}>{segment.value}</span>
        ) : (
          <mark
            key={index}
            className={`tpl-${segment.kind}`}
            title={segment.kind === "invalid" ? "Not a variable or include" : segment.kind}
          >
            {segment.raw}
          </mark>
        ),
      )}
      {text.endsWith("\n") ? "\n" : null}
    </pre>
  );
}
