// The evaluation area's REST API (llmops/evaluation/api): datasets, connections, suites, runs
// and their results, schedules and online rules. Shapes are the generated ones (schema.d.ts),
// with JSON fields narrowed to what the UI reads.
import { API_BASE, ApiError, getProjectId, readCookie, request } from "./client";
import type { components } from "./schema";
import type { ApiErrorBody, DateTime, Json, JsonObject, Narrowed, Run, RunComparison, RunList } from "./types";

type Schemas = components["schemas"];

export type Dataset = Schemas["DatasetOutput"];

export type DatasetVersion = Schemas["DatasetVersionOutput"];

export type DatasetItem = Narrowed<Schemas["ItemOutput"], { input: Json; expected: Json; metadata: JsonObject }>;

export type DatasetItemPage = Narrowed<Schemas["ItemListOutput"], { items: DatasetItem[] }>;

export type ItemInput = Narrowed<Schemas["ItemInputRequest"], { input: Json; expected?: Json; metadata?: JsonObject }>;

export type Connection = Schemas["ConnectionOutput"];

export type ConnectionInput = Schemas["ConnectionInputRequest"];

export type Suite = Narrowed<Schemas["SuiteOutput"], { target: JsonObject; evaluators: Json; thresholds: Json }>;

export type SuiteInput = Narrowed<Schemas["SuiteInputRequest"], { target: Json; evaluators: Json; thresholds: Json }>;

export interface RunStartInput {
  suite: string;
  version?: number;
  label?: string;
}

/** One of a run's parallel lanes (item i is worked by lane i % lanes). */
export type RunLane = Schemas["LaneOutput"];

/** GET /runs/{id}: a run with its lanes. */
export type RunDetail = Run & { lanes: RunLane[] };

/** One evaluator's verdict on one item (llmops_evals verdicts as stored). */
export interface Verdict {
  score?: number | null;
  passed?: boolean | null;
  label?: string | null;
  reason?: string | null;
  error?: string | null;
}

export type RunResult = Narrowed<
  Schemas["ResultOutput"],
  { input: Json; expected: Json; output: Json; verdicts: Record<string, Verdict> }
>;

export type RunResultPage = Narrowed<Schemas["ResultListOutput"], { items: RunResult[] }>;

export interface EvaluatorSummary {
  count: number;
  scored: number;
  errored: number;
  mean: number | null;
  pass_rate: number | null;
}

export interface ThresholdOutcome {
  evaluator: string;
  kind: string;
  value: number;
  description: string;
  passed: boolean;
  actual: number | null;
  baseline: number | null;
  message: string;
}

export type Schedule = Narrowed<
  Schemas["ScheduleOutput"],
  { last_run: { id: string; status: string; finished_at: DateTime | null } | null }
>;

export type ScheduleInput = Schemas["ScheduleInputRequest"];

export type OnlineRule = Narrowed<Schemas["RuleOutput"], { filter: JsonObject; evaluators: Json }>;

export type OnlineRuleInput = Narrowed<Schemas["RuleInputRequest"], { filter: Json; evaluators: Json }>;

export const FINISHED_STATUSES = ["passed", "failed", "errored", "cancelled"];

export function isFinished(run: Pick<Run, "status">): boolean {
  return FINISHED_STATUSES.includes(run.status);
}

/** The evaluators' summaries of a finished run (empty while it runs). */
export function evaluatorSummaries(run: Run): Record<string, EvaluatorSummary> {
  const found = run.summary.evaluators;
  return found && typeof found === "object" && !Array.isArray(found)
    ? (found as unknown as Record<string, EvaluatorSummary>)
    : {};
}

export function thresholdOutcomes(run: Run): ThresholdOutcome[] {
  return Array.isArray(run.thresholds) ? (run.thresholds as unknown as ThresholdOutcome[]) : [];
}

const enc = encodeURIComponent;

/** Sends a file's text as the body (not JSON), as the import endpoint takes it. */
async function postText<T>(path: string, text: string, contentType: string): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", "Content-Type": contentType };
  const token = readCookie("csrftoken");
  if (token) headers["X-CSRFToken"] = token;
  const projectId = getProjectId();
  if (projectId) headers["X-Project-Id"] = projectId;
  const response = await fetch(API_BASE + path, { method: "POST", headers, credentials: "same-origin", body: text });
  const raw = await response.text();
  let data: unknown = null;
  try {
    data = raw ? JSON.parse(raw) : null;
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data as Partial<ApiErrorBody> | null);
  return data as T;
}

/** The export is a file download; the project travels as a header, so it is fetched, not linked. */
async function fetchText(path: string, query: Record<string, string>): Promise<string> {
  const headers: Record<string, string> = {};
  const projectId = getProjectId();
  if (projectId) headers["X-Project-Id"] = projectId;
  const qs = new URLSearchParams(query).toString();
  const response = await fetch(`${API_BASE}${path}${qs ? `?${qs}` : ""}`, { headers, credentials: "same-origin" });
  const text = await response.text();
  if (!response.ok) {
    let body: Partial<ApiErrorBody> | null = null;
    try {
      body = JSON.parse(text) as Partial<ApiErrorBody>;
    } catch {
      body = null;
    }
    throw new ApiError(response.status, body);
  }
  return text;
}

export const evaluationApi = {
  datasets: () => request<Dataset[]>("/datasets"),
  createDataset: (name: string, description: string) =>
    request<Dataset>("/datasets", { method: "POST", body: { name, description } }),
  datasetVersions: (name: string) => request<DatasetVersion[]>(`/datasets/${enc(name)}`),
  datasetItems: (name: string, query: { version?: number; cursor?: string; limit?: number }) =>
    request<DatasetItemPage>(`/datasets/${enc(name)}/items`, { query: { ...query } }),
  changeItems: (name: string, change: { items?: ItemInput[]; remove?: string[]; note?: string }) =>
    request<DatasetVersion>(`/datasets/${enc(name)}/items`, { method: "POST", body: change }),
  importItems: (name: string, text: string, fileType: "jsonl" | "csv") =>
    postText<DatasetVersion>(
      `/datasets/${enc(name)}/import?file_type=${fileType}`,
      text,
      fileType === "csv" ? "text/csv" : "application/x-ndjson",
    ),
  exportItems: (name: string, version: number) =>
    fetchText(`/datasets/${enc(name)}/export`, { version: String(version) }),

  connections: () => request<Connection[]>("/connections"),
  saveConnection: (input: ConnectionInput) =>
    request<Connection>("/connections", { method: "POST", body: input }),
  deleteConnection: (name: string) => request<void>(`/connections/${enc(name)}`, { method: "DELETE" }),

  suites: () => request<Suite[]>("/suites"),
  suite: (name: string) => request<Suite>(`/suites/${enc(name)}`),
  saveSuite: (input: SuiteInput) => request<Suite>("/suites", { method: "POST", body: input }),

  runs: (query: { suite?: string; status?: string; cursor?: string; limit?: number }) =>
    request<RunList>("/runs", { query: { ...query } }),
  run: (id: string) => request<RunDetail>(`/runs/${enc(id)}`),
  startRun: (input: RunStartInput) => request<Run>("/runs", { method: "POST", body: input }),
  compareRuns: (base: string, target: string) =>
    request<RunComparison>(`/runs/${enc(base)}/compare/${enc(target)}`),
  cancelRun: (id: string) => request<Run>(`/runs/${enc(id)}/cancel`, { method: "POST" }),
  results: (id: string, query: { failed?: boolean; cursor?: string; limit?: number }) =>
    request<RunResultPage>(`/runs/${enc(id)}/results`, {
      query: { failed: query.failed === undefined ? undefined : String(query.failed), cursor: query.cursor, limit: query.limit },
    }),

  schedules: () => request<Schedule[]>("/schedules"),
  createSchedule: (input: ScheduleInput) => request<Schedule>("/schedules", { method: "POST", body: input }),
  deleteSchedule: (id: number) => request<void>(`/schedules/${id}`, { method: "DELETE" }),

  rules: () => request<OnlineRule[]>("/online-rules"),
  saveRule: (input: OnlineRuleInput) => request<OnlineRule>("/online-rules", { method: "POST", body: input }),
  deleteRule: (name: string) => request<void>(`/online-rules/${enc(name)}`, { method: "DELETE" }),
};
