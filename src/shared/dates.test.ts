import { describe, expect, it } from 'vitest';
import { addDays, daysBetween, daysInMonth, isIsoDate, parseDate, toEpochDay } from './dates.js';

describe('calendar dates', () => {
  it('rejects year 0', () => {
    expect(isIsoDate('0000-01-01')).toBe(false);
    expect(parseDate('0000-03-01', 'YYYY-MM-DD')).toBeNull();
    expect(isIsoDate('0001-01-01')).toBe(true);
  });

  it('applies Gregorian leap years', () => {
    const leap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    for (const year of [1, 4, 50, 96, 100, 400, 1900, 2000, 2012, 2013, 2100, 9996]) {
      expect(daysInMonth(year, 2), `February ${year}`).toBe(leap(year) ? 29 : 28);
      expect(isIsoDate(`${String(year).padStart(4, '0')}-02-29`), `${year}-02-29`).toBe(leap(year));
    }
    expect(isIsoDate('2013-02-29')).toBe(false);
    expect(isIsoDate('2012-04-31')).toBe(false);
  });

  it('counts days in years 1 to 99', () => {
    // 365 days a year, plus a leap day in years 4, 8, ..., 96.
    expect(daysBetween('0001-01-01', '0100-01-01')).toBe(99 * 365 + 24);
    expect(daysBetween('0050-12-31', '0051-01-01')).toBe(1);
    expect(addDays('0004-02-28', 1)).toBe('0004-02-29');
    expect(addDays('0099-12-31', 1)).toBe('0100-01-01');
    // 1970-01-01 is day 0, and 1969 years with 477 leap days lie before it.
    expect(toEpochDay('0001-01-01')).toBe(-(1969 * 365 + 477));
  });
});
