// The trace list's filters, kept in the URL query string so a filtered view can be shared.
// Every key is a GET /api/v1/traces parameter except `range`, a relative time window that the
// list turns into `from` when it asks the API (so a shared "last 24 h" link stays relative).

export const TRACE_FILTER_KEYS = [
  "name",
  "user_id",
  "session_id",
  "tags",
  "q",
  "range",
  "from",
  "to",
  "environment",
  "release",
  "model",
  "status",
  "has_error",
  "prompt_name",
  "prompt_version",
  "min_latency_ms",
  "max_latency_ms",
  "min_cost",
  "max_cost",
  "metadata_key",
  "metadata_value",
  "score_name",
  "score_min",
  "score_max",
  "score_label",
  "order_by",
] as const;
export type TraceFilterKey = (typeof TRACE_FILTER_KEYS)[number];
export type TraceFilters = Partial<Record<TraceFilterKey, string>>;

export const TIME_RANGES: Record<string, { label: string; ms: number }> = {
  "1h": { label: "Last hour", ms: 3_600_000 },
  "24h": { label: "Last 24 hours", ms: 86_400_000 },
  "7d": { label: "Last 7 days", ms: 7 * 86_400_000 },
  "30d": { label: "Last 30 days", ms: 30 * 86_400_000 },
};

export function filtersFromSearch(search: URLSearchParams | string): TraceFilters {
  const params = typeof search === "string" ? new URLSearchParams(search) : search;
  const filters: TraceFilters = {};
  for (const key of TRACE_FILTER_KEYS) {
    const value = params.get(key)?.trim();
    if (value) filters[key] = value;
  }
  return filters;
}

export function filtersToSearch(filters: TraceFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of TRACE_FILTER_KEYS) {
    const value = filters[key]?.trim();
    if (!value) continue;
    // tags: comma-separated, normalised (no blanks, no spaces around commas)
    params.set(
      key,
      key === "tags"
        ? value
            .split(",")
            .map((t) => t.trim())
            .filter(Boolean)
            .join(",")
        : value,
    );
  }
  return params;
}

/** A date-time input's value (local time, no zone) as ISO 8601 in UTC; other text unchanged. */
function toIso(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return value;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/** The GET /traces query for these filters: `range` becomes `from`, local times become UTC. */
export function filtersToApiQuery(filters: TraceFilters, now: number = Date.now()): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of filtersToSearch(filters)) {
    if (key === "range") continue;
    query[key] = key === "from" || key === "to" ? toIso(value) : value;
  }
  const range = filters.range ? TIME_RANGES[filters.range] : undefined;
  if (range && !query.from) query.from = new Date(now - range.ms).toISOString();
  return query;
}

/** The same filters with one key set (or removed when `value` is empty). */
export function withFilter(filters: TraceFilters, key: TraceFilterKey, value: string): TraceFilters {
  const next = { ...filters };
  if (value) next[key] = value;
  else delete next[key];
  return next;
}
