/**
 * Small SVG charts drawn by hand, so the app needs no chart library.
 * Positions come from approximate numbers; every figure shown as text or
 * in a tooltip is the exact decimal text from the API.
 */
import { approximate, groupDigits } from '../format.js';
import { navigate } from '../router.js';
import { labelEvery, labelX, monthLabel, tickLabel, yTicks } from './axis.js';

export interface LineSeries {
  name: string;
  className: string;
  values: (string | null)[];
}

/** A line chart over labelled points; null values leave a gap. */
export function LineChart({ labels, series, title }: { labels: string[]; series: LineSeries[]; title: string }) {
  const width = 560;
  const height = 200;
  const fontSize = 11;
  const padding = { left: 48, right: 20, top: 12, bottom: 40 };
  const values = series.flatMap((line) => line.values.filter((value): value is string => value !== null).map(approximate));
  const ticks = yTicks(Math.max(0, ...values));
  const max = ticks[ticks.length - 1]!;
  const plotWidth = width - padding.left - padding.right;
  const x = (index: number) => padding.left + (labels.length <= 1 ? 0 : (index / (labels.length - 1)) * plotWidth);
  const y = (value: number) => padding.top + (1 - value / max) * (height - padding.top - padding.bottom);
  const monthLines = labels.map(monthLabel);
  const labelCharacters = Math.max(1, ...monthLines.flat().map((line) => line.length));
  const every = labelEvery(labels.length <= 1 ? plotWidth : plotWidth / (labels.length - 1), labelCharacters, fontSize);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title}>
        {ticks.map((tick) => (
          <g key={tick}>
            <line className="grid" x1={padding.left} x2={width - padding.right} y1={y(tick)} y2={y(tick)} />
            <text className="axis" x={padding.left - 6} y={y(tick) + 4} textAnchor="end">
              {tickLabel(tick)}
            </text>
          </g>
        ))}
        {monthLines.map(([first, second], index) => {
          if ((labels.length - 1 - index) % every !== 0) return null;
          const labelLeft = labelX(x(index), labelCharacters, fontSize, width);
          return (
            <text key={labels[index]} className="axis month" x={labelLeft} y={height - 22} textAnchor="middle">
              <tspan x={labelLeft}>{first}</tspan>
              {second ? (
                <tspan x={labelLeft} dy={fontSize + 2}>
                  {second}
                </tspan>
              ) : null}
            </text>
          );
        })}
        {series.map((line) => {
          const segments: string[] = [];
          let path = '';
          line.values.forEach((value, index) => {
            if (value === null) {
              if (path) segments.push(path);
              path = '';
              return;
            }
            path += `${path ? 'L' : 'M'}${x(index).toFixed(1)},${y(approximate(value)).toFixed(1)}`;
          });
          if (path) segments.push(path);
          return (
            <g key={line.name} className={line.className}>
              {segments.map((segment) => (
                <path key={segment} d={segment} fill="none" />
              ))}
              {line.values.map((value, index) =>
                value === null ? null : (
                  <circle key={labels[index]} cx={x(index)} cy={y(approximate(value))} r={3}>
                    <title>{`${line.name} ${labels[index]}: ${value}`}</title>
                  </circle>
                ),
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        {series.map((line) => (
          <span key={line.name} className={line.className}>
            <span className="swatch" aria-hidden="true" /> {line.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

export interface BarSegment {
  label: string;
  amount: string;
  href?: string;
}

export interface BarRow {
  label: string;
  segments: BarSegment[];
}

/**
 * Horizontal bars, one per row, each stacked from its segments (aging
 * buckets). Negative amounts (unapplied credits) are left out of the bar
 * but still listed in the segment tooltips. A segment with an address
 * opens it on click.
 */
export function StackedBars({ rows, currency, title }: { rows: BarRow[]; currency: string; title: string }) {
  const width = 560;
  const barHeight = 22;
  const gap = 8;
  const labelWidth = 110;
  const totals = rows.map((row) => row.segments.reduce((sum, segment) => sum + Math.max(0, approximate(segment.amount)), 0));
  const max = Math.max(1, ...totals);
  const height = rows.length * (barHeight + gap) + gap;
  const segmentLabels = rows[0]?.segments.map((segment) => segment.label) ?? [];
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title}>
        {rows.map((row, rowIndex) => {
          const top = gap + rowIndex * (barHeight + gap);
          let left = labelWidth;
          return (
            <g key={row.label}>
              <text className="axis" x={labelWidth - 6} y={top + barHeight / 2 + 4} textAnchor="end">
                {row.label}
              </text>
              {row.segments.map((segment, index) => {
                const value = Math.max(0, approximate(segment.amount));
                const length = (value / max) * (width - labelWidth - 10);
                const x = left;
                left += length;
                if (length <= 0) return null;
                const rect = (
                  <rect className={`bucket-${index}`} x={x} y={top} width={length} height={barHeight}>
                    <title>{`${row.label}, ${segment.label}: ${groupDigits(segment.amount)} ${currency}`}</title>
                  </rect>
                );
                const href = segment.href;
                if (href === undefined) return <g key={segment.label}>{rect}</g>;
                return (
                  <a
                    key={segment.label}
                    href={href}
                    onClick={(event) => {
                      event.preventDefault();
                      navigate(href);
                    }}
                  >
                    {rect}
                  </a>
                );
              })}
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        {segmentLabels.map((label, index) => (
          <span key={label} className={`bucket-${index}`}>
            <span className="swatch" aria-hidden="true" /> {label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
