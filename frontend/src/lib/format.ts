import type { Json } from "../api/types";

/** A JSON value as text: a string as it is, nothing for null or a missing value, otherwise its
 * JSON (an object never shows as "[object Object]"). */
export function jsonText(value: Json | undefined): string {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function formatCost(cost: string | null | undefined): string {
  if (cost === null || cost === undefined || cost === "") return "–";
  const n = Number(cost);
  if (!Number.isFinite(n)) return cost;
  if (n === 0) return "$0";
  return n < 0.01 ? `$${n.toPrecision(2)}` : `$${n.toFixed(4)}`;
}

export function formatNumber(n: number | null | undefined, digits = 3): string {
  if (n === null || n === undefined) return "–";
  return Number.isInteger(n) ? String(n) : n.toFixed(digits);
}
