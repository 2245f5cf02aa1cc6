// The prompts area's calls and the shapes beyond those in types.ts: prompts and their versions,
// diffs, labels with their history, usage per version, release gates and promotions (llmops/evaluation/api), provider
// connections and the playground (llmops/prompts/api).
import { request } from "./client";
import type { components } from "./schema";
import type {
  ChatMessage,
  Json,
  Narrowed,
  LabelMoveResult,
  Prompt,
  PromptCreated,
  PromptCreateInput,
  PromptDiff,
  PromptVersion,
  VersionCreateInput,
  VersionSaved,
} from "./types";

type Schemas = components["schemas"];

const enc = (name: string) => name.split("/").map(encodeURIComponent).join("/");

/** GET /prompts/{name}/labels */
export type PromptLabel = Schemas["LabelOutput"];

/** GET /prompts/{name}/labels/{label}/history */
export type LabelHistory = Schemas["HistoryOutput"];

export interface ScoreMean {
  mean: number | null;
  count: number;
}

/** GET /prompts/{name}/usage: one row per version that ran (version is a string there). */
export type UsageRow = Narrowed<Schemas["UsageRowOutput"], { scores: Record<string, ScoreMean> }>;

/** GET /gates?prompt= */
export type Gate = Narrowed<Schemas["GateOutput"], { health: Json }>;

/** What the playground reads of GET /connections (keys are never returned). */
export type ConnectionChoice = Pick<Schemas["ConnectionOutput"], "name" | "model_names">;

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
export type Promotion = Narrowed<
  Schemas["PromotionOutput"],
  { status: PromotionStatus; runs: PromotionRun[]; failures: PromotionFailure[] }
>;

export type PlaygroundInput = Narrowed<
  Schemas["PlaygroundInputRequest"],
  { variables: Record<string, string>; placeholders: Record<string, ChatMessage[]>; parameters?: Record<string, Json> }
>;

/** POST /prompts/{name}/playground */
export type PlaygroundResult = Narrowed<Schemas["PlaygroundOutput"], { rendered: string | ChatMessage[] }>;

/** POST /prompts/{name}/render */
export type Rendered = Narrowed<Schemas["RenderOutput"], { output: string | ChatMessage[] }>;

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
    request<Narrowed<Schemas["PromotionListOutput"], { items: Promotion[] }>>("/promotions", { query: { prompt, limit } }),
  promotion: (id: string) => request<Promotion>(`/promotions/${encodeURIComponent(id)}`),
  render: (name: string, input: Pick<PlaygroundInput, "version" | "variables" | "placeholders">) =>
    request<Rendered>(`/prompts/${enc(name)}/render`, { method: "POST", body: input }),
  playground: (name: string, input: PlaygroundInput) =>
    request<PlaygroundResult>(`/prompts/${enc(name)}/playground`, { method: "POST", body: input }),
};
