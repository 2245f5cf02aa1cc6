import { PALETTE } from "./LineChart";

export interface Bar {
  label: string;
  value: number;
}

export interface BarChartProps {
  title: string;
  bars: Bar[];
  format?: (value: number) => string;
}

/** Horizontal bars, one per group (a model, a prompt version, a user), largest first. */
export function BarChart({ title, bars, format = (v) => String(Number(v.toPrecision(4))) }: BarChartProps) {
  const sorted = [...bars].sort((a, b) => b.value - a.value);
  const max = Math.max(0, ...sorted.map((b) => b.value));
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      {sorted.length === 0 ? (
        <p className="empty">No data in this range.</p>
      ) : (
        <table className="bars">
          <tbody>
            {sorted.map((b, i) => (
              <tr key={b.label}>
                <th scope="row" className="ellipsis" title={b.label}>
                  {b.label}
                </th>
                <td className="bar-cell">
                  <span
                    className="bar-fill"
                    style={{
                      width: `${max > 0 ? Math.max(0.5, (b.value / max) * 100) : 0}%`,
                      background: PALETTE[i % PALETTE.length],
                    }}
                  />
                </td>
                <td className="num">{format(b.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </figure>
  );
}
