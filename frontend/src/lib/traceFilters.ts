// The trace list's filters, kept in the URL query string so a filtered view can be shared.

export const TRACE_FILTER_KEYS = ["name", "user_id", "session_id", "tags"] as const;
export type TraceFilterKey = (typeof TRACE_FILTER_KEYS)[number];
export type TraceFilters = Partial<Record<TraceFilterKey, string>>;

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
