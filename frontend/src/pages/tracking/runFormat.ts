// How runs' times and values read in tables.
import { formatNumber } from "../../lib/format";
import type { MetricValue } from "../../api/tracking";

export function formatEpochMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "–";
  return new Date(ms).toLocaleString();
}

export function formatDuration(start: number | null | undefined, end: number | null | undefined): string {
  if (start === null || start === undefined || end === null || end === undefined) return "–";
  const seconds = Math.max(0, (end - start) / 1000);
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatMetric(value: MetricValue | undefined): string {
  if (value === undefined) return "–";
  if (typeof value === "string") return value;
  return formatNumber(value, 4);
}

/** A run's duration; a run still going says so rather than showing a blank. */
export function runDuration(info: { status: string; start_time: number | null; end_time?: number | null }): string {
  if (info.status === "RUNNING" && !info.end_time) return "running";
  return formatDuration(info.start_time, info.end_time);
}
