/**
 * Axis arithmetic of the SVG charts, kept free of React and the DOM so
 * that it can be tested on its own.
 */

/** Writes an axis value briefly: 12, 4.5k, 120k, 3.1M, 240M. */
export function tickLabel(value: number): string {
  if (value >= 1_000_000) return `${(value / 1_000_000).toFixed(value >= 10_000_000 ? 0 : 1)}M`;
  if (value >= 10_000) return `${Math.round(value / 1000)}k`;
  if (value >= 1000) return `${(value / 1000).toFixed(1)}k`;
  return String(Math.round(value));
}

/**
 * Returns y-axis ticks from 0 up to at least `max`, evenly spaced by 1, 2
 * or 5 times a power of ten and never by less than 1, so `tickLabel` writes
 * each tick differently. There are 2 to 5 ticks, and the last one is the
 * top of the axis. An empty or non-positive `max` gives [0, 1].
 */
export function yTicks(max: number): number[] {
  const target = Number.isFinite(max) && max > 0 ? max : 0;
  const rawStep = target / 4;
  let step = 1;
  if (rawStep > 1) {
    const power = 10 ** Math.floor(Math.log10(rawStep));
    const multiple = [1, 2, 5, 10].find((candidate) => candidate * power >= rawStep) ?? 10;
    step = multiple * power;
  }
  const count = Math.max(1, Math.ceil(target / step));
  return Array.from({ length: count + 1 }, (_, index) => index * step);
}

const monthNames = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Splits a `YYYY-MM` month into a short month name and its four-digit year
 * ("2026-02" gives ["Feb", "2026"]), for a label of two lines. Other text
 * is returned whole as the first line.
 */
export function monthLabel(month: string): [string, string] {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  const name = match ? monthNames[Number(match[2]) - 1] : undefined;
  return match && name ? [name, match[1]!] : [month, ''];
}

/**
 * Returns the x position of a text label of `characters` characters
 * centred on `x`, moved inwards as little as needed so that none of it
 * falls outside 0 to `width`. The width of a character is an estimate.
 */
export function labelX(x: number, characters: number, fontSize: number, width: number): number {
  // NOTE: 0.6 em is an estimate of the average character width of a sans-serif font.
  const half = (characters * fontSize * 0.6) / 2;
  return Math.min(Math.max(x, half), width - half);
}

/**
 * Returns every how many labels to draw so that labels of `characters`
 * characters, spaced `spacing` apart, do not overlap.
 */
export function labelEvery(spacing: number, characters: number, fontSize: number): number {
  const labelWidth = characters * fontSize * 0.6 + 4;
  return spacing <= 0 ? 1 : Math.max(1, Math.ceil(labelWidth / spacing));
}
