/**
 * Vertical bars over labelled periods, drawn as SVG like the charts in
 * charts.tsx. Bar heights come from approximate numbers. The exact
 * decimal text is in each bar's tooltip. A second value per column (a
 * target) is drawn as a thin bar beside the first.
 */
import { approximate, groupDigits } from '../format.js';
import { labelEvery, tickLabel, yTicks } from './axis.js';

export interface Column {
  label: string;
  amount: string;
  target?: string | null;
}

export function ColumnChart({
  columns,
  currency,
  title,
  names = { amount: 'Amount', target: 'Target' },
}: {
  columns: Column[];
  currency: string;
  title: string;
  names?: { amount: string; target: string };
}) {
  const width = 560;
  const height = 200;
  const fontSize = 11;
  const padding = { left: 56, right: 12, top: 12, bottom: 28 };
  const values = columns.flatMap((column) => [approximate(column.amount), approximate(column.target ?? null)]);
  const ticks = yTicks(Math.max(0, ...values));
  const max = ticks[ticks.length - 1] || 1;
  const plotWidth = width - padding.left - padding.right;
  const slot = columns.length === 0 ? plotWidth : plotWidth / columns.length;
  const y = (value: number) => padding.top + (1 - Math.max(0, value) / max) * (height - padding.top - padding.bottom);
  const base = y(0);
  const hasTarget = columns.some((column) => column.target !== undefined && column.target !== null);
  const labelCharacters = Math.max(1, ...columns.map((column) => column.label.length));
  const every = labelEvery(slot, labelCharacters, fontSize);
  const barWidth = Math.min(40, Math.max(2, slot * (hasTarget ? 0.4 : 0.7)));
  return (
    <figure className="chart columns">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title}>
        {ticks.map((tick) => (
          <g key={tick}>
            <line className="grid" x1={padding.left} x2={width - padding.right} y1={y(tick)} y2={y(tick)} />
            <text className="axis" x={padding.left - 6} y={y(tick) + 4} textAnchor="end">
              {tickLabel(tick)}
            </text>
          </g>
        ))}
        {columns.map((column, index) => {
          const left = padding.left + index * slot + (slot - barWidth * (hasTarget ? 2 : 1)) / 2;
          const top = y(approximate(column.amount));
          const target = column.target ?? null;
          return (
            <g key={column.label} data-column={column.label}>
              <rect className="series-0" x={left} y={top} width={barWidth} height={Math.max(0, base - top)}>
                <title>{`${column.label}, ${names.amount}: ${groupDigits(column.amount)} ${currency}`}</title>
              </rect>
              {target !== null ? (
                <rect className="series-1" x={left + barWidth} y={y(approximate(target))} width={barWidth} height={Math.max(0, base - y(approximate(target)))}>
                  <title>{`${column.label}, ${names.target}: ${groupDigits(target)} ${currency}`}</title>
                </rect>
              ) : null}
              {(columns.length - 1 - index) % every === 0 ? (
                <text className="axis" x={padding.left + index * slot + slot / 2} y={height - 10} textAnchor="middle">
                  {column.label}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        <span className="series-0">
          <span className="swatch" aria-hidden="true" /> {names.amount} ({currency})
        </span>
        {hasTarget ? (
          <span className="series-1">
            <span className="swatch" aria-hidden="true" /> {names.target}
          </span>
        ) : null}
      </figcaption>
    </figure>
  );
}
