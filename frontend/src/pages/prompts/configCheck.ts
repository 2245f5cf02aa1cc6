// A version's config is a JSON object; the keys the playground and evaluation read have types
// the server does not check, so they are checked here while the user types.
import type { Json, JsonObject } from "../../api/types";
import { errorMessage } from "../../lib/errors";

export interface ConfigCheck {
  config: JsonObject | null;
  errors: string[];
}

function kind(value: Json): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

const isObject = (value: Json): value is JsonObject =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** Parses and checks config text; empty text is the empty config. */
export function checkConfig(text: string): ConfigCheck {
  if (!text.trim()) return { config: {}, errors: [] };
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch (e) {
    return { config: null, errors: [`Config is not valid JSON: ${errorMessage(e)}`] };
  }
  if (!isObject(parsed)) {
    return { config: null, errors: [`Config must be a JSON object like {"model": "…"}, not ${kind(parsed)}.`] };
  }
  const errors: string[] = [];
  const { model, parameters, response_format: responseFormat, tools } = parsed;
  if (model !== undefined && (typeof model !== "string" || !model.trim())) {
    errors.push(`"model" must be a non-empty string (a model name), not ${kind(model)}.`);
  }
  if (parameters !== undefined && !isObject(parameters)) {
    errors.push(`"parameters" must be an object like {"temperature": 0.2}, not ${kind(parameters)}.`);
  }
  if (responseFormat !== undefined && !isObject(responseFormat)) {
    errors.push(`"response_format" must be an object like {"type": "json_object"}, not ${kind(responseFormat)}.`);
  }
  if (tools !== undefined) {
    if (!Array.isArray(tools)) errors.push(`"tools" must be a list of tool objects, not ${kind(tools)}.`);
    else
      tools.forEach((tool, index) => {
        if (!isObject(tool)) errors.push(`"tools[${index}]" must be an object, not ${kind(tool)}.`);
      });
  }
  return { config: errors.length ? null : parsed, errors };
}
