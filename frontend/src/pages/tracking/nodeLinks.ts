// Where a lineage node's own page is, from its kind, ref and label.
import type { LineageNode } from "../../api/lineage";

/** "support/answer v3" -> ["support/answer", 3]. */
export function nameAndVersion(label: string): [string, number] | null {
  const match = /^(.*) v(\d+)$/.exec(label.trim());
  if (!match || !match[1] || !match[2]) return null;
  return [match[1], Number(match[2])];
}

export function nodePage(node: Pick<LineageNode, "kind" | "ref" | "label">): string | null {
  const parsed = nameAndVersion(node.label);
  switch (node.kind) {
    case "prompt_version":
      return parsed ? `/prompts/${parsed[0]}` : null;
    case "model_version":
      return parsed ? `/models/${encodeURIComponent(parsed[0])}` : null;
    case "dataset_version":
      return parsed ? `/evaluations/datasets/${encodeURIComponent(parsed[0])}` : null;
    case "eval_run":
      return `/evaluations/runs/${encodeURIComponent(node.ref)}`;
    case "experiment_run":
      return `/experiments/runs/${encodeURIComponent(node.ref)}`;
    case "trace": {
      // Trace groups: "prompt:<name>@<version>" or "model:<name>".
      const prompt = /^prompt:(.*)@(\d+)$/.exec(node.ref);
      if (prompt?.[1] && prompt[2]) {
        return `/traces?${new URLSearchParams({ prompt_name: prompt[1], prompt_version: prompt[2] })}`;
      }
      if (node.ref.startsWith("model:")) {
        return `/traces?${new URLSearchParams({ model: node.ref.slice("model:".length) })}`;
      }
      return null;
    }
    default:
      return null;
  }
}

export const KIND_LABELS: Record<string, string> = {
  prompt_version: "Prompt version",
  model_version: "Model version",
  dataset_version: "Dataset version",
  eval_run: "Evaluation run",
  experiment_run: "Experiment run",
  trace: "Traces",
  label_move: "Label move",
  external: "External",
};

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind;
}

/** The node's name for people: its label, else its kind and ref. */
export function nodeName(node: Pick<LineageNode, "kind" | "ref" | "label">): string {
  return node.label || `${kindLabel(node.kind)} ${node.ref}`;
}
