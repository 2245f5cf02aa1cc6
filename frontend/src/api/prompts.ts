// The prompts area's calls and the shapes beyond those in types.ts: prompts and their versions,
// diffs, labels with their history, usage per version, release gates and promotions (llmops/evaluation/api), provider
// connections and the playground (llmops/prompts/api).
import { request } from "./client";
import type {
  ChatMessage,
  DateTime,
  Decimal,
  Json,
  LabelMove,
  LabelMoveResult,
  Prompt,
  PromptCreated,
  PromptCreateInput,
  PromptDiff,
  PromptVersion,
  VersionCreateInput,
  VersionSaved,
} from "./types";

const enc = (name: string) => name.split("/").map(encodeURIComponent).join("/");

/** GET /prompts/{name}/labels */
export interface PromptLabel {
  name: string;
  version: number;
  protected: boolean;
  updated_at: DateTime;
}

/** GET /prompts/{name}/labels/{label}/history */
export interface LabelHistory {
  label: string;
  version_at: number | null;
  moves: LabelMove[];
}

export interface ScoreMean {
  mean: number | null;
  count: number;
}

/** GET /prompts/{name}/usage: one row per version that ran (version is a string there). */
export interface UsageRow {
  version: string;
  traces: number;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_total: Decimal;
  mean_latency_ms: number | null;
  error_rate: number;
  scores: Record<string, ScoreMean>;
}

/** GET /gates?prompt= */
export interface Gate {
  prompt: string;
  label: string;
  suites: string[];
  health: Json;
}

/** What the playground reads of GET /connections (keys are never returned). */
export interface ConnectionChoice {
  name: string;
  model_names: string[];
}

export type PromotionStatus = "pending" | "passed" | "refused" | "errored";

export interface PromotionRun {
  id: string;
  suite: string;
  status: string;
  progress: { done: number; total: number };
}

export interface FailingItem {
  item_key: string;
  score: number | null;
  error: string | null;
  reason: string;
}

export interface PromotionFailure {
  suite: string;
  run: string;
  threshold: string | null;
  actual?: number | null;
  baseline?: number | null;
  message: string;
  items: FailingItem[];
}

/** POST /promotions (202), GET /promotions/{id} */
export interface Promotion {
  id: string;
  prompt: string;
  label: string;
  version: number;
  status: PromotionStatus;
  reason: string;
  runs: PromotionRun[];
  failures: PromotionFailure[];
  requested_by: string;
  created_at: DateTime;
  finished_at: DateTime | null;
}

export interface PlaygroundInput {
  version: number;
  variables: Record<string, string>;
  placeholders: Record<string, ChatMessage[]>;
  connection: string;
  model?: string;
  parameters?: Record<string, Json>;
}

/** POST /prompts/{name}/playground */
export interface PlaygroundResult {
  version: number;
  model: string;
  rendered: string | ChatMessage[];
  output: string;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  latency_ms: number;
  trace_id: string;
}

/** POST /prompts/{name}/render */
export interface Rendered {
  version: number;
  type: string;
  output: string | ChatMessage[];
}

export interface PromptQuery {
  search?: string;
  tag?: string;
  folder?: string;
}

export const promptsApi = {
  list: (query: PromptQuery) => request<Prompt[]>("/prompts", { query: { ...query } }),
  create: (input: PromptCreateInput) => request<PromptCreated>("/prompts", { method: "POST", body: input }),
  /** Newest first; `before` pages back through older versions; every version without `limit`. */
  versions: (name: string, limit?: number, before?: number) =>
    request<PromptVersion[]>(`/prompts/${enc(name)}/versions`, { query: { limit, before } }),
  version: (name: string, number: number) => request<PromptVersion>(`/prompts/${enc(name)}/versions/${number}`),
  createVersion: (name: string, input: VersionCreateInput) =>
    request<VersionSaved>(`/prompts/${enc(name)}/versions`, { method: "POST", body: input }),
  diff: (name: string, base: number, target: number) =>
    request<PromptDiff>(`/prompts/${enc(name)}/diff`, { query: { base, target } }),
  labels: (name: string) => request<PromptLabel[]>(`/prompts/${enc(name)}/labels`),
  labelHistory: (name: string, label: string) =>
    request<LabelHistory>(`/prompts/${enc(name)}/labels/${encodeURIComponent(label)}/history`),
  moveLabel: (name: string, label: string, version: number) =>
    request<LabelMoveResult>(`/prompts/${enc(name)}/labels/${encodeURIComponent(label)}`, {
      method: "PUT",
      body: { version },
    }),
  usage: (name: string) => request<UsageRow[]>(`/prompts/${enc(name)}/usage`),
  gates: (name: string) => request<Gate[]>("/gates", { query: { prompt: name } }),
  connections: () => request<ConnectionChoice[]>("/connections"),
  startPromotion: (prompt: string, label: string, version: number) =>
    request<Promotion>("/promotions", { method: "POST", body: { prompt, label, version } }),
  promotions: (prompt: string, limit: number) =>
    request<{ items: Promotion[]; next_cursor: string | null }>("/promotions", { query: { prompt, limit } }),
  promotion: (id: string) => request<Promotion>(`/promotions/${encodeURIComponent(id)}`),
  render: (name: string, input: Pick<PlaygroundInput, "version" | "variables" | "placeholders">) =>
    request<Rendered>(`/prompts/${enc(name)}/render`, { method: "POST", body: input }),
  playground: (name: string, input: PlaygroundInput) =>
    request<PlaygroundResult>(`/prompts/${enc(name)}/playground`, { method: "POST", body: input }),
};
