/**
 * @module
 * Average rating per module and day as an inline SVG line chart.
 */
export interface RatingPoint {
  day: string;
  module: string;
  average: number;
  count: number;
}

const COLORS = ["#6366f1", "#ef4444", "#10b981", "#f59e0b", "#0ea5e9", "#a855f7", "#64748b", "#14b8a6", "#e11d48", "#84cc16"];
const WIDTH = 640;
const HEIGHT = 220;
const PAD = { left: 32, right: 170, top: 12, bottom: 28 };

/** Average rating per module over days as an inline SVG line chart: no script, no build step. */
export function RatingChart({ points }: { points: RatingPoint[] }) {
  const days = [...new Set(points.map((p) => p.day))].sort();
  const modules = [...new Set(points.map((p) => p.module))].sort();
  if (days.length === 0) return <p class="muted">No ratings yet.</p>;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (day: string) => PAD.left + (days.length === 1 ? plotW / 2 : (days.indexOf(day) / (days.length - 1)) * plotW);
  const y = (rating: number) => PAD.top + ((5 - rating) / 4) * plotH;
  return (
    <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width={WIDTH} height={HEIGHT} role="img" aria-label="Average rating per module by day">
      {[1, 2, 3, 4, 5].map((r) => (
        <g>
          <line x1={PAD.left} x2={PAD.left + plotW} y1={y(r)} y2={y(r)} stroke="#e5e7eb" />
          <text x={PAD.left - 8} y={y(r) + 4} text-anchor="end" font-size="11" fill="#6b7280">{r}</text>
        </g>
      ))}
      {days.map((day) => (
        <text x={x(day)} y={HEIGHT - 8} text-anchor="middle" font-size="11" fill="#6b7280">{day.slice(5)}</text>
      ))}
      {modules.map((module, index) => {
        const color = COLORS[index % COLORS.length];
        const series = points.filter((p) => p.module === module);
        const latest = series[series.length - 1]!; // every module name came from at least one point
        return (
          <g>
            <polyline fill="none" stroke={color} stroke-width="2" points={series.map((p) => `${x(p.day)},${y(p.average)}`).join(" ")} />
            {series.map((p) => (
              <circle cx={x(p.day)} cy={y(p.average)} r="3" fill={color}>
                <title>{`${module} ${p.day}: ${p.average.toFixed(2)} (${p.count})`}</title>
              </circle>
            ))}
            {/* The latest value in the legend: with a day or two of data the dots stack in one column and colour alone
                does not say which is which. */}
            <text x={PAD.left + plotW + 12} y={PAD.top + 14 * index + 10} font-size="12" fill={color}>
              {`${module} ${latest.average.toFixed(1)} (${latest.count} rating${latest.count === 1 ? "" : "s"})`}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
