import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelEvery, labelX, monthLabel, tickLabel, yTicks } from '../../web/src/components/axis.js';

describe('y-axis ticks', () => {
  it('are distinct on an empty chart', () => {
    expect(yTicks(0)).toEqual([0, 1]);
    expect(yTicks(Number.NaN)).toEqual([0, 1]);
    expect(yTicks(0.4)).toEqual([0, 1]);
    expect(yTicks(1)).toEqual([0, 1]);
  });

  it('use round steps', () => {
    expect(yTicks(30)).toEqual([0, 10, 20, 30]);
    expect(yTicks(33.5)).toEqual([0, 10, 20, 30, 40]);
    expect(yTicks(100)).toEqual([0, 50, 100]);
    expect(yTicks(1100)).toEqual([0, 500, 1000, 1500]);
    expect(yTicks(3)).toEqual([0, 1, 2, 3]);
  });

  it('cover the maximum with distinct labels', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e12, noNaN: true }), (max) => {
        const ticks = yTicks(max);
        expect(ticks[0]).toBe(0);
        expect(ticks.length).toBeGreaterThanOrEqual(2);
        expect(ticks.length).toBeLessThanOrEqual(5);
        expect(ticks[ticks.length - 1]!).toBeGreaterThanOrEqual(max);
        const step = ticks[1]! - ticks[0]!;
        expect(step).toBeGreaterThanOrEqual(1);
        ticks.forEach((tick, index) => expect(tick).toBe(index * step));
        const labels = ticks.map(tickLabel);
        expect(new Set(labels).size, labels.join(' ')).toBe(labels.length);
      }),
    );
  });
});

describe('x-axis month labels', () => {
  it('show a month name and the four-digit year', () => {
    expect(monthLabel('1899-02')).toEqual(['Feb', '1899']);
    expect(monthLabel('2026-12')).toEqual(['Dec', '2026']);
    expect(monthLabel('2026-01')).toEqual(['Jan', '2026']);
  });

  it('keep other text whole', () => {
    expect(monthLabel('2026-13')).toEqual(['2026-13', '']);
    expect(monthLabel('Q1 2026')).toEqual(['Q1 2026', '']);
  });

  it('stay inside the chart', () => {
    const width = 560;
    for (const x of [0, 10, 280, 548, 560]) {
      const centre = labelX(x, 4, 11, width);
      const half = (4 * 11 * 0.6) / 2;
      expect(centre - half).toBeGreaterThanOrEqual(0);
      expect(centre + half).toBeLessThanOrEqual(width);
    }
    expect(labelX(280, 4, 11, width)).toBe(280);
  });

  it('thin out when crowded', () => {
    expect(labelEvery(45, 4, 11)).toBe(1);
    expect(labelEvery(20, 4, 11)).toBe(2);
    // Drawn labels are at least one label width apart, with no gap to spare for one more.
    const labelWidth = 4 * 11 * 0.6;
    for (const spacing of [1, 5, 9.5, 17, 26, 30]) {
      const every = labelEvery(spacing, 4, 11);
      expect(every * spacing).toBeGreaterThan(labelWidth);
      expect((every - 1) * spacing).toBeLessThan(labelWidth + 4);
    }
  });
});
