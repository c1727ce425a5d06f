/**
 * Calendar dates as `YYYY-MM-DD` text, with day arithmetic done on whole
 * days since 1970-01-01 (UTC), so no time zone ever moves a date.
 */

export type IsoDate = string;

const isoPattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const msPerDay = 86_400_000;

export function isIsoDate(text: string): boolean {
  const match = isoPattern.exec(text);
  if (!match) return false;
  const [year, month, day] = [match[1], match[2], match[3]].map(Number) as [
    number,
    number,
    number,
  ];
  return isValidDay(year, month, day);
}

// Year 0 is rejected because PostgreSQL's date type has no year 0 (1 BC comes before AD 1).
function isValidDay(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month);
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Milliseconds since 1970-01-01 of a UTC midnight. Date.UTC is not used
 * directly because it maps years 0 to 99 to 1900 to 1999.
 */
function utcMidnight(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

/** Builds an ISO date, or returns null when the day does not exist. */
export function makeDate(
  year: number,
  month: number,
  day: number,
): IsoDate | null {
  if (!isValidDay(year, month, day)) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function toEpochDay(date: IsoDate): number {
  const match = isoPattern.exec(date);
  if (!match) throw new RangeError(`invalid date "${date}"`);
  return utcMidnight(Number(match[1]), Number(match[2]), Number(match[3])) / msPerDay;
}

export function fromEpochDay(epochDay: number): IsoDate {
  return new Date(epochDay * msPerDay).toISOString().slice(0, 10);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return fromEpochDay(toEpochDay(date) + days);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return toEpochDay(to) - toEpochDay(from);
}

/** Last day of the month of `YYYY-MM` or of a date. */
export function monthEnd(monthOrDate: string): IsoDate {
  const year = Number(monthOrDate.slice(0, 4));
  const month = Number(monthOrDate.slice(5, 7));
  return makeDate(year, month, daysInMonth(year, month)) as IsoDate;
}

export function monthStart(month: string): IsoDate {
  return `${month.slice(0, 7)}-01`;
}

/** `YYYY-MM` of the month `count` months after `month`. */
export function addMonths(month: string, count: number): string {
  const index = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + count;
  const year = Math.floor(index / 12);
  return `${String(year).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

export function isMonthEnd(date: IsoDate): boolean {
  return monthEnd(date) === date;
}

/** ISO weekday: 1 = Monday ... 7 = Sunday. */
export function isoWeekday(date: IsoDate): number {
  const weekday = new Date(toEpochDay(date) * msPerDay).getUTCDay();
  return weekday === 0 ? 7 : weekday;
}

export type DateFormat =
  | 'YYYY-MM-DD'
  | 'M/D/YYYY'
  | 'D/M/YYYY'
  | 'D.M.YYYY'
  | 'YYYYMMDD'
  | 'D-M-YYYY';

/**
 * Parses a date in the given layout. Floats written by spreadsheet tools
 * (`20200410.0`) are accepted for YYYYMMDD. Returns null when the text
 * does not match or the day does not exist.
 */
export function parseDate(text: string, format: DateFormat): IsoDate | null {
  const value = text.trim();
  let parts: [string, string, string] | null = null;
  if (format === 'YYYY-MM-DD') {
    const match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value);
    if (match) parts = [match[1]!, match[2]!, match[3]!];
  } else if (format === 'YYYYMMDD') {
    const match = /^(\d{4})(\d{2})(\d{2})(?:\.0+)?$/.exec(value);
    if (match) parts = [match[1]!, match[2]!, match[3]!];
  } else {
    // The second character of M/D/YYYY, D/M/YYYY, D.M.YYYY and D-M-YYYY is the separator.
    const separator = format[1]!;
    const pieces = value.split(separator);
    if (pieces.length === 3 && pieces.every((piece) => /^\d{1,4}$/.test(piece))) {
      const [first, second, year] = pieces as [string, string, string];
      if (year.length === 4) {
        parts = format.startsWith('M') ? [year, first, second] : [year, second, first];
      }
    }
  }
  if (!parts) return null;
  return makeDate(Number(parts[0]), Number(parts[1]), Number(parts[2]));
}
