// Span and trace objects shaped like GET /api/v1/traces/{id}, for the tracing component tests.
import type { Span, SpanNode, TraceDetail } from "../api/types";

const T0 = Date.parse("2026-01-01T00:00:00Z");

/** The fields spans and traces share: who, which conversation, where; all empty. */
const noContext = () => ({ user_id: "", session_id: "", tags: [], metadata: {}, environment: "", release: "" });

export const at = (ms: number) => new Date(T0 + ms).toISOString();

export function makeSpan(overrides: Partial<Span> & { span_id: string; startMs?: number }): Span {
  const { startMs = 0, ...rest } = overrides;
  const duration = rest.duration_ms ?? 100;
  return {
    parent_span_id: "",
    name: rest.span_id,
    kind: "span",
    start_time: at(startMs),
    end_time: at(startMs + duration),
    duration_ms: duration,
    status: "ok",
    status_message: "",
    error_type: "",
    provider: "",
    model_requested: "",
    model_answered: "",
    invocation_params: {},
    input: null,
    output: null,
    documents: null,
    tool_calls: null,
    ...noContext(),
    prompt_name: "",
    prompt_version: "",
    usage: {
      input_tokens: 0,
      output_tokens: 0,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      reasoning_tokens: 0,
      total_tokens: 0,
      estimated: false,
    },
    cost: { input: null, output: null, cache_read: null, cache_write: null, reasoning: null, total: null, source: "" },
    attributes: {},
    resource_attributes: {},
    events: [],
    ...rest,
  };
}

export const node = (span: Span, children: SpanNode[] = []): SpanNode => ({ span, children });

export function makeTrace(overrides: Partial<TraceDetail> & { trace_id: string; startMs?: number }): TraceDetail {
  const { startMs = 0, ...rest } = overrides;
  return {
    name: rest.trace_id,
    start_time: at(startMs),
    end_time: at(startMs + 1000),
    latency_ms: 1000,
    status: "ok",
    ...noContext(),
    input_tokens: 0,
    output_tokens: 0,
    total_tokens: 0,
    cost_total: "0",
    unpriced_span_count: 0,
    span_count: 0,
    error_count: 0,
    input: null,
    output: null,
    spans: [],
    scores: [],
    ...rest,
  };
}
