// Positions of the span bars in a trace's timeline: each bar starts at the span's offset from
// the trace start and is as wide as its duration, both as percentages of the trace's extent.
import type { Span, SpanNode } from "../../api/types";

export interface WaterfallRow {
  span: Span;
  depth: number;
  hasChildren: boolean;
  /** Milliseconds from the trace start to the span start. */
  offsetMs: number;
  /** Percent of the timeline before the bar starts. */
  left: number;
  /** Percent of the timeline the bar covers (at least a sliver, so instant spans stay visible). */
  width: number;
}

const MIN_WIDTH = 0.5;

/** The earliest start and latest end of all spans, in epoch milliseconds. */
export function traceExtent(nodes: SpanNode[]): { start: number; end: number } {
  let start = Infinity;
  let end = -Infinity;
  const visit = (list: SpanNode[]) => {
    for (const { span, children } of list) {
      const s = Date.parse(span.start_time);
      const e = Date.parse(span.end_time);
      if (Number.isFinite(s)) start = Math.min(start, s);
      if (Number.isFinite(e)) end = Math.max(end, e);
      else if (Number.isFinite(s)) end = Math.max(end, s + span.duration_ms);
      visit(children);
    }
  };
  visit(nodes);
  if (!Number.isFinite(start)) return { start: 0, end: 0 };
  return { start, end: Math.max(start, end) };
}

/**
 * The visible rows in tree order (depth-first, children after their parent), skipping the
 * descendants of spans in `collapsed`. Percentages are relative to the whole trace extent.
 */
export function waterfallRows(nodes: SpanNode[], collapsed: ReadonlySet<string> = new Set()): WaterfallRow[] {
  const { start, end } = traceExtent(nodes);
  const total = end - start;
  const rows: WaterfallRow[] = [];
  const visit = (list: SpanNode[], depth: number) => {
    for (const { span, children } of list) {
      const spanStart = Date.parse(span.start_time);
      const offsetMs = Number.isFinite(spanStart) ? spanStart - start : 0;
      const left = total > 0 ? (offsetMs / total) * 100 : 0;
      const width = total > 0 ? (span.duration_ms / total) * 100 : 100;
      const clampedLeft = Math.min(100 - MIN_WIDTH, Math.max(0, left));
      rows.push({
        span,
        depth,
        hasChildren: children.length > 0,
        offsetMs,
        left: clampedLeft,
        width: Math.min(100 - clampedLeft, Math.max(MIN_WIDTH, width)),
      });
      if (!collapsed.has(span.span_id)) visit(children, depth + 1);
    }
  };
  visit(nodes, 0);
  return rows;
}

/** Every span of the tree, depth-first. */
export function allSpans(nodes: SpanNode[]): Span[] {
  return nodes.flatMap(({ span, children }) => [span, ...allSpans(children)]);
}
