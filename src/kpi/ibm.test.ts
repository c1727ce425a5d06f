import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, sampleDataDir, type TestDb } from '../../test/helpers/db.js';
import { importIbmAr } from '../integration/index.js';
import { kpiReport, type KpiName, type KpiRow } from './index.js';

/*
 * KPIs of the IBM late-payment ledger (WA_Fn-UseC_-Accounts-Receivable.csv)
 * against figures computed here straight from the raw CSV. Every row is an
 * invoice settled in full on SettledDate, so the AR at a month-end E is the
 * sum of InvoiceAmount over rows with InvoiceDate <= E < SettledDate.
 */

const fileName = 'WA_Fn-UseC_-Accounts-Receivable.csv';
const dir = sampleDataDir();

interface RawInvoice {
  country: string;
  invoiceDate: string;
  dueDate: string;
  settledDate: string;
  cents: bigint;
}

/** M/D/YYYY to YYYY-MM-DD. */
function isoDate(text: string): string {
  const [month, day, year] = text.split('/');
  return `${year}-${month!.padStart(2, '0')}-${day!.padStart(2, '0')}`;
}

/** "55.94", "68.8" or "94" to cents. */
function cents(text: string): bigint {
  const [whole, fraction = ''] = text.split('.');
  return BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, '0'));
}

function readRawInvoices(file: string): RawInvoice[] {
  const lines = readFileSync(file, 'utf8').split('\r\n').filter((line) => line !== '');
  const header = lines[0]!.split(',');
  const column = (name: string) => header.indexOf(name);
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    return {
      country: cells[column('countryCode')]!,
      invoiceDate: isoDate(cells[column('InvoiceDate')]!),
      dueDate: isoDate(cells[column('DueDate')]!),
      settledDate: isoDate(cells[column('SettledDate')]!),
      cents: cents(cells[column('InvoiceAmount')]!),
    };
  });
}

function lastDay(month: string): string {
  const day = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0));
  return day.toISOString().slice(0, 10);
}

function previousMonth(month: string): string {
  const date = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 2, 1));
  return date.toISOString().slice(0, 7);
}

function sum(invoices: readonly RawInvoice[]): bigint {
  return invoices.reduce((total, invoice) => total + invoice.cents, 0n);
}

/** numerator / denominator to two places, half away from zero. */
function round2(numerator: bigint, denominator: bigint): string {
  const negative = numerator < 0n !== denominator < 0n;
  const n = (numerator < 0n ? -numerator : numerator) * 100n;
  const d = denominator < 0n ? -denominator : denominator;
  let hundredths = n / d;
  if ((n % d) * 2n >= d) hundredths += 1n;
  const text = hundredths.toString().padStart(3, '0');
  const sign = negative && hundredths !== 0n ? '-' : '';
  return `${sign}${text.slice(0, -2)}.${text.slice(-2)}`;
}

interface HandFigures {
  sales: bigint;
  opening: bigint;
  closing: bigint;
  current: bigint;
  kpis: Record<KpiName, string | null>;
}

/** Every figure of one month, computed from the raw rows only. */
function handFigures(invoices: readonly RawInvoice[], month: string): HandFigures {
  const end = lastDay(month);
  const previousEnd = lastDay(previousMonth(month));
  const days = BigInt(Number(end.slice(8, 10)));
  const salesOf = (m: string) => sum(invoices.filter((invoice) => invoice.invoiceDate.startsWith(m)));
  const openAt = (date: string) =>
    invoices.filter((invoice) => invoice.invoiceDate <= date && date < invoice.settledDate);

  const sales = salesOf(month);
  const opening = sum(openAt(previousEnd));
  const closing = sum(openAt(end));
  // Not yet due at the month-end: due on or after it.
  const current = sum(openAt(end).filter((invoice) => invoice.dueDate >= end));

  // Countback: walk back through months until their sales cover the AR.
  let countback: string | null = null;
  let remaining = closing;
  let wholeDays = 0n;
  let walkMonth = month;
  for (let step = 0; step < 36; step += 1) {
    const monthSales = salesOf(walkMonth);
    const monthDays = BigInt(Number(lastDay(walkMonth).slice(8, 10)));
    if (remaining === 0n) {
      countback = '0.00';
      break;
    }
    if (monthSales > 0n && remaining <= monthSales) {
      countback = round2(wholeDays * monthSales + monthDays * remaining, monthSales);
      break;
    }
    remaining -= monthSales;
    wholeDays += monthDays;
    walkMonth = previousMonth(walkMonth);
  }

  const perSales = (amount: bigint) => (sales > 0n ? round2(amount * days, sales) : null);
  const ceiDenominator = opening + sales - current;
  const twiceAverage = opening + closing;
  return {
    sales,
    opening,
    closing,
    current,
    kpis: {
      dsoStandard: perSales(closing),
      dsoCountback: countback,
      bestPossibleDso: perSales(current),
      averageDaysDelinquent: perSales(closing - current),
      collectionEffectivenessIndex:
        ceiDenominator > 0n ? round2((opening + sales - closing) * 100n, ceiDenominator) : null,
      // No credit notes in the file: net credit sales = credit sales.
      arTurnover: twiceAverage > 0n ? round2(sales * 2n, twiceAverage) : null,
      arTurnoverAnnualised: twiceAverage > 0n ? round2(sales * 24n, twiceAverage) : null,
    },
  };
}

function expectRowMatches(row: KpiRow, hand: HandFigures): void {
  expect(row.creditSales).toBe(hand.sales);
  expect(row.creditNotes).toBe(0n);
  expect(row.openingAr).toBe(hand.opening);
  expect(row.closingAr).toBe(hand.closing);
  expect(row.currentAr).toBe(hand.current);
  expect(row.overdueAr).toBe(hand.closing - hand.current);
  for (const [name, value] of Object.entries(hand.kpis)) {
    expect({ name, value: row.kpis[name as KpiName].value }).toEqual({ name, value });
  }
}

describe.skipIf(!dir)('kpiReport on the IBM ledger', () => {
  let db: TestDb;
  let invoices: RawInvoice[];

  beforeAll(async () => {
    const file = join(dir!, 'ibm-watson-ar-late-payments', fileName);
    invoices = readRawInvoices(file);
    db = await openTestDb();
    await importIbmAr(db, file, { company: 'IBM', currency: 'USD' });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('matches a hand computation for 2013-03', async () => {
    const report = await kpiReport(db, { companies: ['IBM'], from: '2013-03', to: '2013-03' });
    expect(report.totals).toHaveLength(1);
    const row = report.totals[0]!;
    const hand = handFigures(invoices, '2013-03');
    // Sanity of the hand figures: March 2013 has sales and open AR.
    expect(hand.sales).toBeGreaterThan(0n);
    expect(hand.closing).toBeGreaterThan(0n);
    expectRowMatches(row, hand);
  });

  it('matches the hand computation in every month', async () => {
    const report = await kpiReport(db, { companies: ['IBM'], from: '2012-01', to: '2014-01' });
    expect(report.totals).toHaveLength(25);
    for (const row of report.totals) expectRowMatches(row, handFigures(invoices, row.month));
  });

  it('matches by country for 2013-03', async () => {
    const report = await kpiReport(db, {
      companies: ['IBM'],
      from: '2013-03',
      to: '2013-03',
      groupBy: 'country',
    });
    const countries = [...new Set(invoices.map((invoice) => invoice.country))].sort();
    expect(report.rows.map((row) => row.key)).toEqual(countries);
    for (const row of report.rows) {
      const ofCountry = invoices.filter((invoice) => invoice.country === row.key);
      expectRowMatches(row, handFigures(ofCountry, '2013-03'));
    }
  });
});
