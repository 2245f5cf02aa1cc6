// Response and request shapes of the REST API under /api/v1, typed from the DRF serializers
// (llmops/*/api/serializers.py, llmops/prompts/diffs.py, llmops/evaluation/comparison.py).
// Decimal fields (costs) arrive as strings; date-times as ISO 8601 strings.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
export type Decimal = string;
export type DateTime = string;

/** Every error response: {"error": code, "message": text, "fields": {"path": ["msg"]}}. */
export interface ApiErrorBody {
  error: string;
  message: string;
  fields?: Record<string, string[]>;
}

// --- tenancy ----------------------------------------------------------------------------

export interface Organization {
  id: string;
  name: string;
  created_at: DateTime;
}

export interface Project {
  id: string;
  name: string;
  organization: Organization;
  created_at: DateTime;
}

export interface SessionMembership {
  organization: Organization;
  role: string;
}

/** GET /auth/session, POST /auth/login */
export interface Session {
  authenticated: boolean;
  username: string | null;
  memberships: SessionMembership[];
}

export interface LoginInput {
  username: string;
  password: string;
}

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
export interface Prompt {
  name: string;
  type: PromptType;
  tags: string[];
  description: string;
  created_at: DateTime;
  latest_version?: number | null;
}

export interface IncludeRef {
  name: string;
  label: string | null;
  version: number | null;
}

/** GET /prompts/{name}/versions returns PromptVersion[] (newest first, with labels). */
export interface PromptVersion {
  number: number;
  /** The version's ref in the lineage graph (kind "prompt_version"). */
  lineage_ref?: string;
  content_hash: string;
  template: Template;
  config: JsonObject;
  variables: string[];
  includes: IncludeRef[];
  commit_message: string;
  author: string;
  derived_from: number | null;
  created_at: DateTime;
  labels?: string[];
}

export interface PromptCreateInput {
  name: string;
  type: PromptType;
  template: Template;
  labels?: string[];
  config?: JsonObject;
  tags?: string[];
  description?: string;
  commit_message?: string;
}

export interface PromptCreated {
  prompt: Prompt;
  version: PromptVersion;
}

export interface VersionCreateInput {
  template: Template;
  config?: JsonObject;
  commit_message?: string;
  labels?: string[];
}

/** POST /prompts/{name}/versions: 201 when created, 200 with created=false when identical. */
export interface VersionSaved {
  created: boolean;
  version: PromptVersion;
}

export interface LabelMove {
  label: string;
  from_version: number | null;
  to_version: number;
  moved_by: string;
  reason: string;
  moved_at: DateTime;
}

/** PUT /prompts/{name}/labels/{label} */
export interface LabelMoveResult {
  moved: boolean;
  move: LabelMove | null;
}

// diffs (llmops/prompts/diffs.py)
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
export interface PromptDiff {
  base: number;
  target: number;
  template: TemplateDiff;
  config: ConfigDiff;
}

// --- scores -----------------------------------------------------------------------------

export interface Score {
  id: string;
  trace_id: string;
  span_id: string;
  name: string;
  data_type: string;
  value: number | null;
  string_value: string;
  comment: string;
  source: string;
  metadata: JsonObject;
  author: string;
  created_at: DateTime;
  updated_at: DateTime;
}

export interface ScoreSummary {
  data_type: string;
  count: number;
  mean: number | null;
  labels: Record<string, number>;
}

// --- tracing ----------------------------------------------------------------------------

export interface Trace {
  trace_id: string;
  name: string;
  start_time: DateTime;
  end_time: DateTime;
  latency_ms: number;
  status: string;
  user_id: string;
  session_id: string;
  tags: string[];
  metadata: JsonObject;
  environment: string;
  release: string;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_total: Decimal;
  unpriced_span_count: number;
  span_count: number;
  error_count: number;
}

export interface TraceListItem extends Trace {
  scores: Record<string, ScoreSummary>;
}

/** GET /traces */
export interface TraceList {
  items: TraceListItem[];
  next_cursor: string | null;
}

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
  estimated: boolean;
}

export interface Cost {
  input: Decimal | null;
  output: Decimal | null;
  cache_read: Decimal | null;
  cache_write: Decimal | null;
  reasoning: Decimal | null;
  total: Decimal | null;
  source: string;
}

export interface Span {
  span_id: string;
  parent_span_id: string;
  name: string;
  kind: string;
  start_time: DateTime;
  end_time: DateTime;
  duration_ms: number;
  status: string;
  status_message: string;
  error_type: string;
  provider: string;
  model_requested: string;
  model_answered: string;
  invocation_params: JsonObject;
  input: Json;
  output: Json;
  documents: Json;
  tool_calls: Json;
  user_id: string;
  session_id: string;
  tags: string[];
  metadata: JsonObject;
  environment: string;
  release: string;
  prompt_name: string;
  prompt_version: string;
  usage: Usage;
  cost: Cost;
  attributes: JsonObject;
  resource_attributes: JsonObject;
  events: JsonObject[];
}

export interface SpanNode {
  span: Span;
  children: SpanNode[];
}

/** GET /traces/{trace_id} */
export interface TraceDetail extends Trace {
  input: Json;
  output: Json;
  spans: SpanNode[];
  scores: Score[];
}

// --- evaluation -------------------------------------------------------------------------

export interface Run {
  id: string;
  suite: string;
  status: string;
  trigger: string;
  dataset_version: number;
  prompt_version: { prompt: string; version: number } | null;
  baseline_run: string | null;
  progress: { done: number; total: number };
  summary: JsonObject;
  thresholds: Json;
  error: string;
  created_by: string;
  created_at: DateTime;
  started_at: DateTime | null;
  finished_at: DateTime | null;
}

/** GET /runs */
export interface RunList {
  items: Run[];
  next_cursor: string | null;
}

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
export interface RunComparison {
  base: string;
  target: string;
  evaluators: string[];
  summary: { regressed_items: number } & { [evaluator: string]: EvaluatorMeans | number };
  items: CompareItem[];
}
