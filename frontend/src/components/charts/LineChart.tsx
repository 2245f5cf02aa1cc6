import { useId, useState } from "react";
import { extent, linearScale } from "./scale";

export interface Point {
  x: number;
  y: number | null;
}

export interface Series {
  name: string;
  points: Point[];
}

export interface LineChartProps {
  /** Names the chart for screen readers and is shown above it. */
  title: string;
  series: Series[];
  formatX?: (x: number) => string;
  formatY?: (y: number) => string;
  /** Start the y axis at zero (counts, costs); off for scores and losses. */
  zeroBased?: boolean;
  width?: number;
  height?: number;
}

// Colour-blind-safe palette (Okabe-Ito), in a fixed order so series keep their colour.
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];

const MARGIN = { top: 10, right: 16, bottom: 28, left: 64 };

/**
 * A line chart in plain SVG. Gaps (y = null) break the line. Hovering or focusing the chart and
 * moving with the arrow keys shows the values at one x; a table with the same numbers is
 * available to screen readers, so the chart is never the only carrier of the data.
 */
export function LineChart({
  title,
  series,
  formatX = String,
  formatY = (y) => String(Number(y.toPrecision(4))),
  zeroBased = false,
  width = 640,
  height = 220,
}: LineChartProps) {
  const id = useId();
  const xs = Array.from(new Set(series.flatMap((s) => s.points.map((p) => p.x)))).sort((a, b) => a - b);
  const ys = series.flatMap((s) => s.points.flatMap((p) => (p.y === null ? [] : [p.y])));
  const [yLo, yHi] = extent(ys);
  const [xLo, xHi] = extent(xs);
  const x = linearScale(xLo, xHi, MARGIN.left, width - MARGIN.right);
  const y = linearScale(zeroBased ? Math.min(0, yLo) : yLo, yHi, height - MARGIN.bottom, MARGIN.top);
  const [cursor, setCursor] = useState<number | null>(null);
  const at = cursor === null ? null : xs[cursor];

  if (ys.length === 0) {
    return (
      <figure className="chart">
        <figcaption>{title}</figcaption>
        <p className="empty">No data points in this range.</p>
      </figure>
    );
  }

  function paths(points: Point[]): string {
    let d = "";
    let pen = false;
    for (const p of [...points].sort((a, b) => a.x - b.x)) {
      if (p.y === null) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`;
      pen = true;
    }
    return d;
  }

  function nearest(clientX: number, svg: SVGSVGElement) {
    const box = svg.getBoundingClientRect();
    const px = ((clientX - box.left) / box.width) * width;
    let best = 0;
    xs.forEach((value, i) => {
      if (Math.abs(x(value) - px) < Math.abs(x(xs[best] ?? value) - px)) best = i;
    });
    setCursor(best);
  }

  const xTicks = x.ticks.length > 8 ? x.ticks.filter((_, i) => i % 2 === 0) : x.ticks;
  return (
    <figure className="chart">
      <figcaption id={`${id}-title`}>{title}</figcaption>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-labelledby={`${id}-title`}
        tabIndex={0}
        onMouseMove={(e) => nearest(e.clientX, e.currentTarget)}
        onMouseLeave={() => setCursor(null)}
        onBlur={() => setCursor(null)}
        onKeyDown={(e) => {
          if (e.key === "ArrowRight") setCursor((c) => Math.min(xs.length - 1, (c ?? -1) + 1));
          else if (e.key === "ArrowLeft") setCursor((c) => Math.max(0, (c ?? xs.length) - 1));
          else return;
          e.preventDefault();
        }}
      >
        {y.ticks.map((t) => (
          <g key={`y${t}`}>
            <line x1={MARGIN.left} x2={width - MARGIN.right} y1={y(t)} y2={y(t)} className="grid" />
            <text x={MARGIN.left - 6} y={y(t)} dy="0.32em" textAnchor="end" className="tick">
              {formatY(t)}
            </text>
          </g>
        ))}
        {xTicks.map((t) => (
          <text key={`x${t}`} x={x(t)} y={height - MARGIN.bottom + 16} textAnchor="middle" className="tick">
            {formatX(t)}
          </text>
        ))}
        {series.map((s, i) => (
          <path key={s.name} d={paths(s.points)} fill="none" stroke={PALETTE[i % PALETTE.length]} strokeWidth={2} />
        ))}
        {series.map((s, i) =>
          s.points.length === 1 && s.points[0]?.y !== null && s.points[0] ? (
            <circle key={`dot-${s.name}`} cx={x(s.points[0].x)} cy={y(s.points[0].y ?? 0)} r={3} fill={PALETTE[i % PALETTE.length]} />
          ) : null,
        )}
        {at !== undefined && at !== null && (
          <line x1={x(at)} x2={x(at)} y1={MARGIN.top} y2={height - MARGIN.bottom} className="cursor" />
        )}
      </svg>
      <ul className="legend">
        {series.map((s, i) => {
          const value = at === null || at === undefined ? null : s.points.find((p) => p.x === at)?.y;
          return (
            <li key={s.name}>
              <span className="swatch" style={{ background: PALETTE[i % PALETTE.length] }} />
              {s.name}
              {value !== null && value !== undefined && <strong> {formatY(value)}</strong>}
            </li>
          );
        })}
        {at !== null && at !== undefined && <li className="muted">at {formatX(at)}</li>}
      </ul>
      <table className="sr-only">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">x</th>
            {series.map((s) => (
              <th key={s.name} scope="col">
                {s.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {xs.map((value) => (
            <tr key={value}>
              <th scope="row">{formatX(value)}</th>
              {series.map((s) => {
                const v = s.points.find((p) => p.x === value)?.y;
                return <td key={s.name}>{v === null || v === undefined ? "" : formatY(v)}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
