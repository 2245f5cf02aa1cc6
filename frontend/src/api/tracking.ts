// Experiment tracking and the model registry: MLflow-compatible calls (MLFLOW_BASE) and the
// platform's registry endpoints, with the shapes they answer. The MLflow-compatible API is not in
// the OpenAPI schema, so its shapes are written by hand; the registry's come from schema.d.ts.
import { MLFLOW_BASE, getProjectId, request } from "./client";
import type { components } from "./schema";
import type { Narrowed } from "./types";

type Schemas = components["schemas"];

export interface KeyValue {
  key: string;
  value: string;
}

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number | null;
  last_update_time: number | null;
  tags: KeyValue[];
}

/** MLflow sends NaN and infinities as strings. */
export type MetricValue = number | string;

export interface Metric {
  key: string;
  value: MetricValue;
  timestamp: number;
  step: number;
}

export interface RunInfo {
  run_id: string;
  run_name: string;
  experiment_id: string;
  user_id: string;
  status: string;
  start_time: number | null;
  end_time?: number | null;
  artifact_uri: string;
  lifecycle_stage: string;
}

export interface MlflowRun {
  info: RunInfo;
  data: { metrics: Metric[]; params: KeyValue[]; tags: KeyValue[] };
  inputs?: {
    dataset_inputs: { tags: KeyValue[]; dataset: { name: string; digest: string; source_type: string; source: string } }[];
  };
  outputs?: { model_outputs: { model_id: string; step: number }[] };
}

export interface ArtifactFile {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

export interface MlflowModelVersion {
  name: string;
  version: string;
  current_stage: string;
  status: string;
  source: string;
  run_id?: string;
  aliases: string[];
  creation_timestamp: number | null;
}

export interface RegisteredModelSummary {
  name: string;
  description?: string;
  creation_timestamp: number | null;
  last_updated_timestamp: number | null;
  tags: KeyValue[];
  aliases: { alias: string; version: string }[];
  latest_versions?: MlflowModelVersion[];
}

export type ModelVersionDetail = Schemas["VersionOutput"];

export type AliasMove = Schemas["AliasMoveOutput"];

export type StageTransition = Schemas["StageTransitionOutput"];

export interface MetricThreshold {
  key: string;
  min?: number;
  max?: number;
}

export type ModelGate = Schemas["ModelGate"];

export type ModelDetail = Narrowed<Schemas["ModelDetailOutput"], { gates: ModelGate[] }>;


export interface RunSearch {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  pageToken?: string;
  maxResults?: number;
}

const mlflow = <T>(path: string, options: Parameters<typeof request>[1] = {}) =>
  request<T>(path, { ...options, base: MLFLOW_BASE });

const enc = (name: string) => encodeURIComponent(name);

/** Quotes a value for MLflow's filter syntax (single quotes, doubled inside). */
export function quoteFilter(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export const trackingApi = {
  experiments: (search: { name?: string; pageToken?: string; maxResults?: number }) =>
    mlflow<{ experiments?: Experiment[]; next_page_token?: string }>("/experiments/search", {
      query: {
        max_results: search.maxResults ?? 50,
        page_token: search.pageToken,
        filter: search.name ? `name LIKE ${quoteFilter(`%${search.name}%`)}` : undefined,
      },
    }),
  experiment: (id: string) =>
    mlflow<{ experiment: Experiment }>("/experiments/get", { query: { experiment_id: id } }),
  runs: (search: RunSearch) =>
    mlflow<{ runs?: MlflowRun[]; next_page_token?: string }>("/runs/search", {
      method: "POST",
      body: {
        experiment_ids: search.experimentIds,
        filter: search.filter ?? "",
        order_by: search.orderBy ?? [],
        max_results: search.maxResults ?? 25,
        ...(search.pageToken ? { page_token: search.pageToken } : {}),
      },
    }),
  run: (runId: string) => mlflow<{ run: MlflowRun }>("/runs/get", { query: { run_id: runId } }),
  metricHistory: (runId: string, key: string, pageToken?: string) =>
    mlflow<{ metrics?: Metric[]; next_page_token?: string }>("/metrics/get-history", {
      query: { run_id: runId, metric_key: key, page_token: pageToken },
    }),
  artifacts: (runId: string, path?: string) =>
    mlflow<{ root_uri: string; files?: ArtifactFile[] }>("/artifacts/list", {
      query: { run_id: runId, path },
    }),
  versionsOfRun: (runId: string) =>
    mlflow<{ model_versions?: MlflowModelVersion[] }>("/model-versions/search", {
      query: { filter: `run_id=${quoteFilter(runId)}`, max_results: 100 },
    }),
  registeredModels: (search: { name?: string; pageToken?: string; maxResults?: number }) =>
    mlflow<{ registered_models?: RegisteredModelSummary[]; next_page_token?: string }>(
      "/registered-models/search",
      {
        query: {
          max_results: search.maxResults ?? 50,
          page_token: search.pageToken,
          filter: search.name ? `name LIKE ${quoteFilter(`%${search.name}%`)}` : undefined,
        },
      },
    ),
  model: (name: string) => request<ModelDetail>(`/models/${enc(name)}`),
  gates: (name: string) => request<{ items: ModelGate[] }>(`/models/${enc(name)}/gates`),
};

/** Every page of a metric's history (the server caps a page at 25,000 points). */
export async function fullMetricHistory(runId: string, key: string): Promise<Metric[]> {
  const points: Metric[] = [];
  let token: string | undefined;
  // A bound on pages keeps a runaway history from locking the tab.
  for (let page = 0; page < 20; page++) {
    const answer = await trackingApi.metricHistory(runId, key, token);
    points.push(...(answer.metrics ?? []));
    token = answer.next_page_token;
    if (!token) break;
  }
  return points;
}

/** The artifact's path in the project's artifact store, from the run's artifact_uri. */
export function artifactStorePath(artifactUri: string, path: string): string | null {
  const scheme = "mlflow-artifacts:";
  if (!artifactUri.startsWith(scheme)) return null;
  const root = artifactUri.slice(scheme.length).replace(/^\/+/, "");
  return `${root}/${path}`;
}

/**
 * Downloads an artifact through the artifact proxy. The proxy needs the X-Project-Id header,
 * which a plain link cannot send, so the file is fetched and handed to the browser as a blob.
 */
export async function downloadArtifact(artifactUri: string, path: string): Promise<void> {
  const storePath = artifactStorePath(artifactUri, path);
  if (!storePath) throw new Error(`Artifacts at ${artifactUri} cannot be downloaded from here.`);
  const headers: Record<string, string> = {};
  const projectId = getProjectId();
  if (projectId) headers["X-Project-Id"] = projectId;
  const url = `/api/2.0/mlflow-artifacts/artifacts/${storePath.split("/").map(encodeURIComponent).join("/")}`;
  const response = await fetch(url, { headers, credentials: "same-origin" });
  if (!response.ok) throw new Error(`Download failed (${response.status}).`);
  const blob = await response.blob();
  const href = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = href;
  link.download = path.split("/").pop() ?? "artifact";
  document.body.appendChild(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(href);
}
