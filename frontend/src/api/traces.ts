// The tracing API (llmops/tracing/api): sessions and metrics, plus the shapes the span detail
// reads out of loosely typed JSON fields (documents, tool calls).
import { request } from "./client";
import type { components } from "./schema";
import type { Json, Narrowed, TraceDetail, TraceList } from "./types";

type Schemas = components["schemas"];

export type SessionSummary = Schemas["TraceSession"];

/** GET /sessions */
export interface SessionList {
  items: SessionSummary[];
  next_cursor: string | null;
}

/** GET /sessions/{id}: the session's traces, oldest first, each with its span tree. */
export type SessionDetail = Narrowed<Schemas["SessionDetailOutput"], { traces: TraceDetail[] }>;

export type MetricsBucket = "minute" | "hour" | "day";
export type MetricsGroupBy = "none" | "model" | "prompt_version" | "provider" | "user" | "environment" | "tag";
export type MetricsSource = Schemas["MetricsOutput"]["source"];

export type MetricsRow = Schemas["MetricsRowOutput"];

/** GET /metrics. Grouping by model, provider or prompt version measures LLM calls (spans), otherwise
 * traces unless measure is "calls". `source` says what answered: hourly rollups (calls, when the
 * range is on whole hours), the spans, or the traces. */
export type MetricsResponse = Narrowed<Schemas["MetricsOutput"], { bucket: MetricsBucket; group_by: MetricsGroupBy }>;

export interface MetricsQuery {
  from: string;
  to: string;
  bucket: MetricsBucket;
  group_by: MetricsGroupBy;
  measure?: "traces" | "calls";
}

/** A retrieved document as a retriever or reranker span stores it. */
export interface RetrievedDocument {
  id: string;
  content: string;
  score: number | null;
  metadata?: Json;
}

/** A tool call requested by a model: arguments are a JSON string as the model wrote them. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

const enc = encodeURIComponent;

export const tracesApi = {
  traces: (query: Record<string, string | undefined>) => request<TraceList>("/traces", { query }),
  trace: (traceId: string) => request<TraceDetail>(`/traces/${enc(traceId)}`),
  sessions: (query: { user_id?: string; cursor?: string }) => request<SessionList>("/sessions", { query }),
  session: (sessionId: string) => request<SessionDetail>(`/sessions/${enc(sessionId)}`),
  metrics: (query: MetricsQuery) => request<MetricsResponse>("/metrics", { query: { ...query } }),
};
