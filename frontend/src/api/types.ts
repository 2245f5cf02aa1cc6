// Response and request shapes of the REST API under /api/v1. Most are aliases of the types
// generated from the server's OpenAPI schema (schema.d.ts, `npm run api-types`). The schema types
// JSON fields (template, config, input/output, summaries) as `unknown`; `Narrowed` keeps the
// generated shape and says what the UI reads out of those fields. Where the generated shape is
// wrong, a hand-written type stays, with the reason next to it.
// Decimal fields (costs) arrive as strings; date-times as ISO 8601 strings.
import type { components } from "./schema";

type Schemas = components["schemas"];

/** `T` with the fields named in `N` given `N`'s types; naming a field `T` lacks is an error. */
export type Narrowed<T, N extends { [K in keyof N]: K extends keyof T ? unknown : never }> = Omit<T, keyof N> & N;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
export type Decimal = string;
export type DateTime = string;

/** Every error response: {"error": code, "message": text, "fields": {"path": ["msg"]}}
 * (llmops/restapi/errors.py; the schema does not describe error bodies). */
export interface ApiErrorBody {
  error: string;
  message: string;
  fields?: Record<string, string[]>;
}

// --- tenancy ----------------------------------------------------------------------------

export type Organization = Schemas["OrganizationOutput"];

export type Project = Schemas["ProjectOutput"];

export type SessionMembership = Schemas["SessionMembershipOutput"];

/** GET /auth/session, POST /auth/login */
export type Session = Schemas["SessionOutput"];

export type LoginInput = Schemas["LoginInputRequest"];

// --- prompts ----------------------------------------------------------------------------

export type PromptType = "text" | "chat";

export interface ChatMessage {
  role: string;
  content: string;
}
export interface PlaceholderMessage {
  type: "placeholder";
  name: string;
}
export type ChatTemplateMessage = ChatMessage | PlaceholderMessage;
export type Template = string | ChatTemplateMessage[];

/** GET /prompts returns Prompt[] (a plain list, at most 1000). */
export type Prompt = Narrowed<Schemas["PromptOutput"], { type: PromptType }>;

export interface IncludeRef {
  name: string;
  label: string | null;
  version: number | null;
}

/** GET /prompts/{name}/versions returns PromptVersion[] (newest first, with labels). */
export type PromptVersion = Narrowed<
  Schemas["VersionOutput"],
  { template: Template; config: JsonObject; includes: IncludeRef[] }
>;

export type PromptCreateInput = Narrowed<Schemas["PromptCreateInputRequest"], { template: Template; config?: JsonObject }>;

export type PromptCreated = Narrowed<Schemas["PromptCreatedOutput"], { prompt: Prompt; version: PromptVersion }>;

export type VersionCreateInput = Narrowed<Schemas["VersionCreateInputRequest"], { template: Template; config?: JsonObject }>;

/** POST /prompts/{name}/versions: 201 when created, 200 with created=false when identical. */
export type VersionSaved = Narrowed<Schemas["VersionSavedOutput"], { version: PromptVersion }>;

export type LabelMove = Schemas["LabelMoveOutput"];

/** PUT /prompts/{name}/labels/{label} */
export type LabelMoveResult = Schemas["LabelMoveResultOutput"];

// diffs (llmops/prompts/diffs.py): the schema types a diff's template and config as any object.
export interface DiffLine {
  op: "equal" | "removed" | "added";
  old: number | null;
  new: number | null;
  text: string;
}

export type MessageDiffEntry =
  | {
      op: "equal" | "removed" | "added";
      old_index: number | null;
      new_index: number | null;
      message: ChatTemplateMessage;
    }
  | {
      op: "changed";
      old_index: number;
      new_index: number;
      old_role: string;
      new_role: string;
      lines: DiffLine[];
    };

export type TemplateDiff =
  | { type: "text"; lines: DiffLine[] }
  | { type: "chat"; messages: MessageDiffEntry[] };

export interface ConfigDiff {
  added: Record<string, Json>;
  removed: Record<string, Json>;
  changed: Record<string, { old: Json; new: Json }>;
}

/** GET /prompts/{name}/diff?base=&target= */
export type PromptDiff = Narrowed<Schemas["DiffOutput"], { template: TemplateDiff; config: ConfigDiff }>;

// --- scores -----------------------------------------------------------------------------

export type Score = Narrowed<Schemas["ScoreOutput"], { metadata: JsonObject }>;

export type ScoreSummary = Schemas["ScoreSummaryOutput"];

// --- tracing ----------------------------------------------------------------------------

export type TraceListItem = Narrowed<Schemas["TraceListItemOutput"], { metadata: JsonObject }>;

/** GET /traces */
export type TraceList = Narrowed<Schemas["TraceListOutput"], { items: TraceListItem[] }>;

export type Usage = Schemas["UsageOutput"];

export type Cost = Schemas["CostOutput"];

export type Span = Narrowed<
  Schemas["SpanOutput"],
  {
    invocation_params: JsonObject;
    input: Json;
    output: Json;
    documents: Json;
    tool_calls: Json;
    metadata: JsonObject;
    attributes: JsonObject;
    resource_attributes: JsonObject;
    events: JsonObject[];
  }
>;

/** By hand: the schema cannot describe the recursion, so its `children` are any objects. */
export interface SpanNode {
  span: Span;
  children: SpanNode[];
}

/** GET /traces/{trace_id} */
export type TraceDetail = Narrowed<
  Schemas["TraceDetailOutput"],
  { metadata: JsonObject; input: Json; output: Json; spans: SpanNode[]; scores: Score[] }
>;

// --- evaluation -------------------------------------------------------------------------

export type Run = Narrowed<
  Schemas["RunOutput"],
  {
    prompt_version: { prompt: string; version: number } | null;
    progress: { done: number; total: number };
    summary: JsonObject;
    thresholds: Json;
  }
>;

/** GET /runs */
export type RunList = Narrowed<Schemas["RunListOutput"], { items: Run[] }>;

export interface CompareSide {
  output: Json;
  error: string | null;
  verdicts: Record<string, JsonObject | null>;
}

export interface CompareItem {
  item_key: string;
  input: Json;
  expected: Json;
  base: CompareSide | null;
  target: CompareSide | null;
  deltas: Record<string, number | null>;
  regression: boolean;
  changed: boolean;
}

export interface EvaluatorMeans {
  base_mean: number | null;
  target_mean: number | null;
}

/** GET /runs/{a}/compare/{b} (llmops/evaluation/comparison.py). `summary` maps each evaluator
 * name to its means, plus the number `regressed_items`. */
export type RunComparison = Narrowed<
  Schemas["ComparisonOutput"],
  {
    summary: { regressed_items: number } & { [evaluator: string]: EvaluatorMeans | number };
    items: CompareItem[];
  }
>;
