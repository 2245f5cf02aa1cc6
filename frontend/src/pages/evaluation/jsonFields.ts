// Client-side checks of the JSON a suite or an online rule is made of, mirroring what the server
// validates (llmops/evaluation/suites.py, llmops_evals runner thresholds), so most mistakes are
// caught before a round trip. The server stays the authority: its field errors are shown too.
import type { Json } from "../../api/types";
import { errorMessage } from "../../lib/errors";
import { jsonText } from "../../lib/format";

export const THRESHOLD_KINDS = ["min_mean", "min_pass_rate", "max_regression"] as const;

export type JsonParse = { ok: true; value: Json } | { ok: false; error: string };

export function parseJson(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) as Json };
  } catch (e) {
    return { ok: false, error: `Not valid JSON: ${errorMessage(e)}` };
  }
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: Json | undefined): boolean {
  return typeof value === "string" && value.length > 0;
}

/** The evaluators' names, or the first problem found. */
export function checkEvaluators(value: Json): { names: string[]; error: string | null } {
  if (!Array.isArray(value) || value.length === 0) {
    return { names: [], error: "Give a list with at least one evaluator, e.g. [{\"type\": \"contains\"}]." };
  }
  const names: string[] = [];
  for (const [index, spec] of value.entries()) {
    const where = `evaluators[${index}]`;
    if (!isObject(spec)) return { names, error: `${where}: must be an object.` };
    if (!nonEmptyString(spec.type)) return { names, error: `${where}.type: required, a string such as "contains".` };
    if (spec.name !== undefined && !nonEmptyString(spec.name)) {
      return { names, error: `${where}.name: must be a non-empty string.` };
    }
    if (spec.type === "judge" || spec.type === "pairwise") {
      for (const key of ["prompt", "connection", "model"]) {
        if (!nonEmptyString(spec[key])) return { names, error: `${where}.${key}: required for a ${spec.type} evaluator.` };
      }
    }
    const name = jsonText(spec.name ?? spec.type);
    if (names.includes(name)) return { names, error: `${where}.name: two evaluators are named "${name}".` };
    names.push(name);
  }
  return { names, error: null };
}

export function checkThresholds(value: Json, evaluatorNames: string[]): string | null {
  if (!Array.isArray(value)) return "Must be a list (empty for none).";
  for (const [index, spec] of value.entries()) {
    const where = `thresholds[${index}]`;
    if (!isObject(spec)) return `${where}: must be an object.`;
    if (typeof spec.evaluator !== "string" || !evaluatorNames.includes(spec.evaluator)) {
      return `${where}.evaluator: names no evaluator of the suite (${evaluatorNames.join(", ") || "none"}).`;
    }
    const unknown = Object.keys(spec).filter((k) => k !== "evaluator" && !(THRESHOLD_KINDS as readonly string[]).includes(k));
    if (unknown.length > 0) return `${where}.${unknown[0]}: unknown key.`;
    const kinds = THRESHOLD_KINDS.filter((k) => k in spec);
    if (kinds.length !== 1) return `${where}: give exactly one of ${THRESHOLD_KINDS.join(", ")}.`;
    const kind = kinds[0] as (typeof THRESHOLD_KINDS)[number];
    const amount = spec[kind];
    if (typeof amount !== "number" || !Number.isFinite(amount) || amount < 0) return `${where}.${kind}: must be a number >= 0.`;
    if (kind === "min_pass_rate" && amount > 1) return `${where}.${kind}: must be a fraction between 0 and 1.`;
  }
  return null;
}

export function checkTarget(value: Json): string | null {
  if (!isObject(value)) return "Must be an object.";
  if (value.type === "outputs") {
    const extra = Object.keys(value).filter((k) => k !== "type");
    return extra.length ? `target.${extra[0]}: unknown key for an "outputs" target.` : null;
  }
  if (value.type !== "prompt") return 'target.type: must be "prompt" or "outputs".';
  for (const key of ["prompt", "connection", "model"]) {
    if (!nonEmptyString(value[key])) return `target.${key}: required, a non-empty string.`;
  }
  if (value.params !== undefined && !isObject(value.params)) return "target.params: must be an object.";
  return null;
}

export interface SuiteJsonTexts {
  target: string;
  evaluators: string;
  thresholds: string;
}

export type SuiteJsonCheck =
  | { ok: true; target: Json; evaluators: Json; thresholds: Json }
  | { ok: false; errors: Partial<Record<keyof SuiteJsonTexts, string>> };

/** Parses and checks the three JSON fields of a suite; errors are keyed by field. */
export function checkSuiteJson(texts: SuiteJsonTexts): SuiteJsonCheck {
  const errors: Partial<Record<keyof SuiteJsonTexts, string>> = {};
  const target = parseJson(texts.target);
  if (!target.ok) errors.target = target.error;
  else {
    const problem = checkTarget(target.value);
    if (problem) errors.target = problem;
  }
  const evaluators = parseJson(texts.evaluators);
  let names: string[] = [];
  if (!evaluators.ok) errors.evaluators = evaluators.error;
  else {
    const checked = checkEvaluators(evaluators.value);
    names = checked.names;
    if (checked.error) errors.evaluators = checked.error;
  }
  const thresholds = parseJson(texts.thresholds.trim() === "" ? "[]" : texts.thresholds);
  if (!thresholds.ok) errors.thresholds = thresholds.error;
  else if (!errors.evaluators) {
    const problem = checkThresholds(thresholds.value, names);
    if (problem) errors.thresholds = problem;
  }
  if (Object.keys(errors).length > 0 || !target.ok || !evaluators.ok || !thresholds.ok) return { ok: false, errors };
  return { ok: true, target: target.value, evaluators: evaluators.value, thresholds: thresholds.value };
}
