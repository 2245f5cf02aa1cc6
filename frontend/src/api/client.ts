import type { ApiErrorBody } from "./types";

export const API_BASE = "/api/v1";
/** The MLflow-compatible REST API, reached with the same session as the platform API. */
export const MLFLOW_BASE = "/ajax-api/2.0/mlflow";
const PROJECT_KEY = "llmops.projectId";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string[]>;
  /** Seconds to wait before trying again, from a 429's Retry-After header; null without one. */
  readonly retryAfter: number | null;

  constructor(status: number, body: Partial<ApiErrorBody> | null, retryAfter: string | null = null) {
    super(body?.message || `Request failed (${status})`);
    this.name = "ApiError";
    this.status = status;
    this.code = body?.error ?? "error";
    this.fields = body?.fields ?? {};
    const seconds = retryAfter === null ? NaN : Number(retryAfter);
    this.retryAfter = Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds) : null;
  }
}

export function readCookie(name: string): string | null {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

export function getProjectId(): string | null {
  try {
    return localStorage.getItem(PROJECT_KEY);
  } catch {
    return null;
  }
}

export function setProjectId(id: string | null): void {
  try {
    if (id) localStorage.setItem(PROJECT_KEY, id);
    else localStorage.removeItem(PROJECT_KEY);
  } catch {
    // storage unavailable: the choice lasts for this page only
  }
}

interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  query?: Record<string, string | number | undefined | null>;
  /** Send X-Project-Id (default true). */
  project?: boolean;
  signal?: AbortSignal;
  /** Path prefix; the platform API by default. MLflow-compatible calls use MLFLOW_BASE. */
  base?: string;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") {
    const token = readCookie("csrftoken");
    if (token) headers["X-CSRFToken"] = token;
  }
  if (options.project !== false) {
    const projectId = getProjectId();
    if (projectId) headers["X-Project-Id"] = projectId;
  }
  let url = (options.base ?? API_BASE) + path;
  if (options.query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query)) {
      if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
    }
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }
  const response = await fetch(url, {
    method,
    headers,
    credentials: "same-origin",
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok)
    throw new ApiError(response.status, data as Partial<ApiErrorBody> | null, response.headers.get("Retry-After"));
  return data as T;
}
