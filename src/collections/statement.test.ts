import { join } from 'node:path';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, sampleDataDir, type TestDb } from '../../test/helpers/db.js';
import { agingReport, defaultBucketLimits } from '../aging/index.js';
import { ForbiddenError } from '../auth/errors.js';
import { importIbmAr } from '../integration/index.js';
import {
  applyImport,
  balanceAsOf,
  getCompany,
  reverseAllocation,
  type AllocationInput,
  type OpenItemInput,
} from '../ledger/index.js';
import { InputError, NotFoundError } from '../shared/errors.js';
import { addDays } from '../shared/dates.js';
import { parseDecimal } from '../shared/money.js';
import { customerStatement, statementToJson, statementWorkbook, type StatementJson } from './statement.js';

let db: TestDb;

function item(
  customerNumber: string,
  kind: OpenItemInput['kind'],
  documentNumber: string,
  date: string,
  dueDate: string,
  currency: string,
  amount: bigint,
  amountLocal?: bigint,
): OpenItemInput {
  return {
    customerNumber,
    kind,
    documentNumber,
    erpKey: documentNumber,
    documentDate: date,
    postingDate: date,
    dueDate,
    currency,
    amount,
    ...(amountLocal === undefined ? {} : { amountLocal, fxRate: '0.3025' }),
  };
}

/**
 * Imports a Kuwaiti company (KWD, three decimals) whose customer C1 is billed in
 * KWD and USD; G1 pays one of C1's invoices; the allocation PAY-1 ->
 * INV-1 of January is reversed in March.
 */
async function seed(database: TestDb): Promise<void> {
  await applyImport(database, { kind: 'test', file: 'statement-seed', sha256: 'statement-seed' }, [
    {
      company: { code: 'KW01', name: 'Gulf Supplies KSC', currency: 'KWD' },
      customers: [
        { customerNumber: 'C1', name: 'Al Noor Trading', country: 'KW', region: 'KW-N' },
        { customerNumber: 'G1', name: 'Al Noor Holding', country: 'KW', region: 'KW-S' },
      ],
      items: [
        item('C1', 'invoice', 'INV-1', '2026-01-10', '2026-02-09', 'KWD', 1_234_567n),
        item('C1', 'payment', 'PAY-1', '2026-01-20', '2026-01-20', 'KWD', -500_000n),
        item('C1', 'invoice', 'INV-2', '2026-02-15', '2026-03-17', 'KWD', 300_250n),
        item('C1', 'credit_note', 'CN-1', '2026-02-20', '2026-02-20', 'KWD', -50_125n),
        item('G1', 'payment', 'PAY-G', '2026-02-28', '2026-02-28', 'KWD', -100_000n),
        item('C1', 'payment', 'PAY-2', '2026-03-05', '2026-03-05', 'KWD', -700_000n),
        item('C1', 'invoice', 'INV-U1', '2026-01-05', '2026-02-04', 'USD', 100_000n, 302_500n),
        // Booked at a later rate than the invoice: clearing 400.00 leaves a
        // local difference of 1.000 KWD.
        item('C1', 'payment', 'PAY-U1', '2026-02-10', '2026-02-10', 'USD', -40_000n, -122_000n),
        item('C1', 'invoice', 'INV-U2', '2026-03-10', '2026-04-09', 'USD', 25_000n, 76_000n),
      ],
      allocations: [
        { erpKey: 'A1', creditErpKey: 'PAY-1', debitErpKey: 'INV-1', allocationDate: '2026-01-20', amount: 500_000n },
        { erpKey: 'A2', creditErpKey: 'CN-1', debitErpKey: 'INV-2', allocationDate: '2026-02-25', amount: 50_125n },
        { erpKey: 'A3', creditErpKey: 'PAY-G', debitErpKey: 'INV-2', allocationDate: '2026-02-28', amount: 100_000n },
        { erpKey: 'A4', creditErpKey: 'PAY-2', debitErpKey: 'INV-1', allocationDate: '2026-03-05', amount: 700_000n },
        { erpKey: 'A5', creditErpKey: 'PAY-U1', debitErpKey: 'INV-U1', allocationDate: '2026-02-10', amount: 40_000n },
      ],
      rowCount: 9,
    },
  ]);
  const company = await getCompany(database, 'KW01');
  const a1 = await database.query<{ allocation_id: bigint }>(
    `select allocation_id from allocation where company_id = $1 and erp_key = 'A1'`,
    [company.companyId],
  );
  await reverseAllocation(database, company.companyId, a1.rows[0]!.allocation_id, '2026-03-15', 'cheque returned');
}

beforeAll(async () => {
  db = await openTestDb();
  await seed(db);
}, 60_000);

afterAll(async () => {
  await db.close();
});

const period = { company: 'KW01', customerNumber: 'C1', from: '2026-02-01', to: '2026-03-31' };

/** Minor units of a JSON amount, read with the section's exponent. */
function minor(text: string | null, exponent: number): bigint {
  return text === null ? 0n : parseDecimal(text, exponent);
}

/** Opening balance plus every debit minus every credit, from the JSON alone. */
function closingFromLines(section: StatementJson['sections'][number], exponent: number): bigint {
  return section.lines.reduce(
    (balance, line) => balance + minor(line.debit, exponent) - minor(line.credit, exponent),
    minor(section.openingBalance, exponent),
  );
}

describe('customerStatement', () => {
  it('gives one section per currency with the hand-computed balances', async () => {
    const json = statementToJson(await customerStatement(db, period));
    expect(json.sections.map((section) => Object.keys(section))).toEqual([
      ['currency', 'openingBalance', 'lines', 'closingBalance', 'aging'],
      ['currency', 'openingBalance', 'lines', 'closingBalance', 'aging'],
    ]);
    const [kwd, usd] = json.sections as [StatementJson['sections'][number], StatementJson['sections'][number]];
    // KWD: 1,234.567 invoiced and 500.000 paid in January.
    expect([kwd.currency, kwd.openingBalance, kwd.closingBalance]).toEqual(['KWD', '734.567', '184.692']);
    expect(kwd.lines.map((line) => [line.date, line.type, line.documentNumber, line.debit, line.credit, line.balance])).toEqual([
      ['2026-02-15', 'invoice', 'INV-2', '300.250', null, '1034.817'],
      ['2026-02-20', 'credit_note', 'CN-1', null, '50.125', '984.692'],
      ['2026-02-25', 'allocation', 'CN-1', null, null, '984.692'],
      // Another customer's payment settles part of INV-2.
      ['2026-02-28', 'allocation', 'INV-2', null, '100.000', '884.692'],
      ['2026-03-05', 'payment', 'PAY-2', null, '700.000', '184.692'],
      ['2026-03-05', 'allocation', 'PAY-2', null, null, '184.692'],
      ['2026-03-15', 'reversal', 'PAY-1', null, null, '184.692'],
    ]);
    expect(kwd.lines[3]!.description).toBe('another account applied to INV-2');
    expect(kwd.lines[6]!.applied).toBe('-500.000');
    expect(kwd.lines[6]!.description).toContain('cheque returned');
    expect([usd.currency, usd.openingBalance, usd.closingBalance]).toEqual(['USD', '1000.00', '850.00']);
    expect(usd.lines.map((line) => [line.documentNumber, line.debit, line.credit, line.balance])).toEqual([
      ['PAY-U1', null, '400.00', '600.00'],
      ['PAY-U1', null, null, '600.00'],
      ['INV-U2', '250.00', null, '850.00'],
    ]);
    expect(json.totals).toMatchObject({
      currency: 'KWD',
      openingBalance: '1037.067',
      movement: '-594.875',
      closingBalance: '442.192',
    });
  });

  it('ages the closing balance by due date in each currency', async () => {
    const json = statementToJson(await customerStatement(db, period));
    const [kwd, usd] = json.sections;
    expect(kwd!.aging.buckets.map((bucket) => bucket.label)).toEqual([
      'Not due', '1-30', '31-60', '61-90', '91-120', '121-180', '181-365', 'Over 365', 'Unapplied credits',
    ]);
    // INV-1 is 50 days overdue, INV-2 14 days; PAY-1 is open again after the reversal.
    expect(kwd!.aging.buckets.map((bucket) => bucket.amount)).toEqual([
      '0.000', '150.125', '534.567', '0.000', '0.000', '0.000', '0.000', '0.000', '-500.000',
    ]);
    expect(usd!.aging.buckets.map((bucket) => bucket.amount)).toEqual([
      '250.00', '0.00', '600.00', '0.00', '0.00', '0.00', '0.00', '0.00', '0.00',
    ]);
    for (const section of json.sections) expect(section.aging.total).toBe(section.closingBalance);
  });

  it('closes at the ledger balance and the aging report total', async () => {
    const statement = await customerStatement(db, period);
    const company = await getCompany(db, 'KW01');
    const customerId = statement.customer.customerId;
    expect(statement.totals.closingBalance).toBe(await balanceAsOf(db, company.companyId, period.to, { customerId }));
    expect(statement.totals.openingBalance).toBe(await balanceAsOf(db, company.companyId, '2026-01-31', { customerId }));
    const report = await agingReport(db, {
      companies: ['KW01'],
      asOf: period.to,
      basis: 'due',
      groupBy: 'customer',
      bucketLimits: defaultBucketLimits,
      currency: 'local',
    });
    const row = report.rows.find((entry) => entry.key === 'C1')!;
    expect(row.total).toBe(statement.totals.closingBalance);
    expect(statement.totals.aging.amounts).toEqual(row.amounts);
    const byCurrency = await agingReport(db, {
      companies: ['KW01'],
      asOf: period.to,
      basis: 'due',
      groupBy: 'customer',
      bucketLimits: defaultBucketLimits,
      currency: 'transaction',
    });
    for (const section of statement.sections) {
      const entry = byCurrency.rows.find((candidate) => candidate.key === 'C1' && candidate.currency === section.currency)!;
      expect([section.currency, entry.total, entry.amounts]).toEqual([section.currency, section.closingBalance, section.aging.amounts]);
    }
  });

  it('adds up: opening plus the lines gives the closing balance, on every day', async () => {
    for (const to of ['2026-02-01', '2026-02-25', '2026-03-05', '2026-03-14', '2026-03-15', '2026-03-31']) {
      const statement = await customerStatement(db, { ...period, to });
      const json = statementToJson(statement);
      json.sections.forEach((section, index) => {
        const { exponent } = statement.sections[index]!;
        expect(closingFromLines(section, exponent)).toBe(minor(section.closingBalance, exponent));
      });
      const company = await getCompany(db, 'KW01');
      expect(statement.totals.closingBalance).toBe(
        await balanceAsOf(db, company.companyId, to, { customerId: statement.customer.customerId }),
      );
    }
  });

  it('keeps the reversed allocation out of an earlier statement', async () => {
    const json = statementToJson(await customerStatement(db, { ...period, to: '2026-03-14' }));
    expect(json.sections[0]!.lines.some((line) => line.type === 'reversal')).toBe(false);
    // Before the reversal PAY-1 still clears INV-1 and nothing is unapplied.
    expect(json.sections[0]!.aging.buckets.at(-1)!.amount).toBe('0.000');
  });

  it('shows the other customer the allocation of its payment', async () => {
    const json = statementToJson(await customerStatement(db, { ...period, customerNumber: 'G1' }));
    expect(json.sections).toHaveLength(1);
    const lines = json.sections[0]!.lines;
    expect(lines.map((line) => [line.type, line.documentNumber, line.debit, line.credit, line.description])).toEqual([
      ['payment', 'PAY-G', null, '100.000', 'Payment'],
      ['allocation', 'PAY-G', '100.000', null, 'PAY-G applied to another account'],
    ]);
    expect(json.sections[0]!.closingBalance).toBe('0.000');
  });

  it('rejects an unknown customer, a reversed period and a bad date', async () => {
    await expect(customerStatement(db, { ...period, customerNumber: 'NOPE' })).rejects.toThrow(
      new NotFoundError('customer "NOPE" not found in company KW01', 'customerNumber'),
    );
    await expect(customerStatement(db, { ...period, company: 'XX' })).rejects.toThrow('company "XX" not found');
    await expect(customerStatement(db, { ...period, from: '2026-04-01' })).rejects.toThrow(
      'invalid period: from 2026-04-01 is after to 2026-03-31',
    );
    await expect(customerStatement(db, { ...period, to: '2026-02-30' })).rejects.toThrow(InputError);
    await expect(customerStatement(db, { ...period, to: '2026-02-30' })).rejects.toThrow('"2026-02-30"');
  });

  it('refuses a customer outside the scope', async () => {
    const company = await getCompany(db, 'KW01');
    const scope = { companyIds: [company.companyId], regions: ['KW-S'] };
    await expect(customerStatement(db, { ...period, scope })).rejects.toThrow(ForbiddenError);
    const allowed = await customerStatement(db, { ...period, customerNumber: 'G1', scope });
    expect(allowed.customer.customerNumber).toBe('G1');
  });

  it('finds the company from the customer number alone', async () => {
    const statement = await customerStatement(db, { ...period, company: undefined });
    expect(statement.company.code).toBe('KW01');
  });
});

describe('statementWorkbook', () => {
  it('writes one sheet per currency whose amount cells equal the JSON amounts', async () => {
    const statement = await customerStatement(db, period);
    const json = statementToJson(statement);
    const buffer = await statementWorkbook(statement).xlsx.writeBuffer();
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(buffer as ArrayBuffer);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['KWD', 'USD', 'Total KWD']);
    json.sections.forEach((section, index) => {
      const exponent = statement.sections[index]!.exponent;
      const sheet = workbook.getWorksheet(section.currency)!;
      const rows: ExcelJS.Row[] = [];
      sheet.eachRow((row) => rows.push(row));
      const headerIndex = rows.findIndex((row) => row.getCell(1).value === 'Date');
      const amount = (row: ExcelJS.Row, column: number) => {
        const value = row.getCell(column).value;
        if (value === null || value === undefined || value === '') return null;
        expect(typeof value).toBe('number');
        return (value as number).toFixed(exponent);
      };
      const opening = rows[headerIndex + 1]!;
      expect([opening.getCell(2).value, amount(opening, 10)]).toEqual(['Opening balance', section.openingBalance]);
      section.lines.forEach((line, lineIndex) => {
        const row = rows[headerIndex + 2 + lineIndex]!;
        expect([row.getCell(3).value, amount(row, 7), amount(row, 8), amount(row, 9), amount(row, 10)]).toEqual([
          line.documentNumber,
          line.debit,
          line.credit,
          line.applied,
          line.balance,
        ]);
      });
      const closing = rows[headerIndex + 2 + section.lines.length]!;
      expect([closing.getCell(2).value, amount(closing, 10)]).toEqual(['Closing balance', section.closingBalance]);
      const agingRow = rows.at(-1)!;
      expect(section.aging.buckets.map((bucket, column) => amount(agingRow, column + 1))).toEqual(
        section.aging.buckets.map((bucket) => bucket.amount),
      );
    });
  });
});

interface RandomEntry {
  customer: number;
  currency: number;
  day: number;
  amount: number;
  credit: boolean;
}

interface RandomLedger {
  entries: RandomEntry[];
  /** Pairs of entry indexes to allocate, with a day offset after both postings. */
  pairs: [number, number, number][];
  /** Allocations to reverse, by index, with a day offset. */
  reversals: [number, number][];
  from: number;
  length: number;
}

const randomLedger: fc.Arbitrary<RandomLedger> = fc.record({
  entries: fc.array(
    fc.record({
      customer: fc.integer({ min: 0, max: 1 }),
      currency: fc.integer({ min: 0, max: 1 }),
      day: fc.integer({ min: 0, max: 90 }),
      amount: fc.integer({ min: 1, max: 500_000 }),
      credit: fc.boolean(),
    }),
    { minLength: 1, maxLength: 14 },
  ),
  pairs: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 20 })), { maxLength: 10 }),
  reversals: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 20 })), { maxLength: 3 }),
  from: fc.integer({ min: 0, max: 100 }),
  length: fc.integer({ min: 0, max: 60 }),
});

const currencies = ['KWD', 'EUR'];
let ledgerCount = 0;

/**
 * Writes a random ledger into a company of its own: invoices and credits
 * of two customers in two currencies, allocations within the open amounts
 * (also between the two customers), and reversals of some of them.
 */
async function writeRandomLedger(ledger: RandomLedger): Promise<string> {
  ledgerCount += 1;
  const code = `PR${ledgerCount}`;
  const dayOf = (offset: number) => addDays('2026-01-01', offset);
  const items: OpenItemInput[] = ledger.entries.map((entry, index) => ({
    customerNumber: `P${entry.customer}`,
    kind: entry.credit ? 'payment' : 'invoice',
    documentNumber: `D${index}`,
    erpKey: `D${index}`,
    documentDate: dayOf(entry.day),
    postingDate: dayOf(entry.day),
    dueDate: dayOf(entry.day + 30),
    currency: currencies[entry.currency]!,
    amount: BigInt(entry.credit ? -entry.amount : entry.amount),
    ...(entry.currency === 0 ? {} : { amountLocal: BigInt(Math.round((entry.credit ? -1 : 1) * entry.amount * 3.1)), fxRate: '3.1' }),
  }));
  const open = ledger.entries.map((entry) => BigInt(entry.amount));
  const allocations: AllocationInput[] = [];
  for (const [first, second, offset] of ledger.pairs) {
    const debitIndex = first % items.length;
    const creditIndex = second % items.length;
    const debit = ledger.entries[debitIndex]!;
    const credit = ledger.entries[creditIndex]!;
    if (debit.credit || !credit.credit || debit.currency !== credit.currency) continue;
    const amount = open[debitIndex]! < open[creditIndex]! ? open[debitIndex]! : open[creditIndex]!;
    if (amount === 0n) continue;
    open[debitIndex]! -= amount;
    open[creditIndex]! -= amount;
    allocations.push({
      erpKey: `A${allocations.length}`,
      creditErpKey: `D${creditIndex}`,
      debitErpKey: `D${debitIndex}`,
      allocationDate: dayOf(Math.max(debit.day, credit.day) + offset),
      amount,
    });
  }
  await applyImport(db, { kind: 'test', file: code, sha256: code }, [
    {
      company: { code, currency: 'KWD' },
      customers: [
        { customerNumber: 'P0', name: 'First' },
        { customerNumber: 'P1', name: 'Second' },
      ],
      items,
      allocations,
      rowCount: items.length,
    },
  ]);
  if (allocations.length === 0) return code;
  const company = await getCompany(db, code);
  const stored = await db.query<{ allocation_id: bigint; allocation_date: string }>(
    `select allocation_id, allocation_date from allocation where company_id = $1 order by allocation_id`,
    [company.companyId],
  );
  const reversed = new Set<number>();
  for (const [index, offset] of ledger.reversals) {
    const position = index % stored.rows.length;
    if (reversed.has(position)) continue;
    reversed.add(position);
    const row = stored.rows[position]!;
    await reverseAllocation(db, company.companyId, row.allocation_id, addDays(row.allocation_date, offset), 'test');
  }
  return code;
}

describe('customerStatement on random ledgers', () => {
  it('closes at the ledger balance and the aging total', async () => {
    await fc.assert(
      fc.asyncProperty(randomLedger, async (ledger) => {
        const code = await writeRandomLedger(ledger);
        const company = await getCompany(db, code);
        const from = addDays('2026-01-01', ledger.from);
        const to = addDays(from, ledger.length);
        for (const customerNumber of ['P0', 'P1']) {
          const statement = await customerStatement(db, { company: code, customerNumber, from, to });
          const json = statementToJson(statement);
          const customerId = statement.customer.customerId;
          json.sections.forEach((section, index) => {
            const { exponent } = statement.sections[index]!;
            expect(closingFromLines(section, exponent)).toBe(minor(section.closingBalance, exponent));
            expect(section.aging.total).toBe(section.closingBalance);
          });
          expect(statement.totals.closingBalance).toBe(await balanceAsOf(db, company.companyId, to, { customerId }));
          expect(statement.totals.openingBalance).toBe(
            await balanceAsOf(db, company.companyId, addDays(from, -1), { customerId }),
          );
          expect(statement.totals.aging.total).toBe(statement.totals.closingBalance);
        }
      }),
      { numRuns: 25 },
    );
  }, 240_000);
});

const dir = sampleDataDir();

describe.skipIf(!dir)('statement on the IBM ledger', () => {
  let ibm: TestDb;

  beforeAll(async () => {
    ibm = await openTestDb();
    await importIbmAr(ibm, join(dir!, 'ibm-watson-ar-late-payments', 'WA_Fn-UseC_-Accounts-Receivable.csv'), {
      company: 'IBM',
    });
  }, 300_000);

  afterAll(async () => {
    await ibm.close();
  });

  it('reconciles a year of the busiest customer with the ledger and the aging', async () => {
    const company = await getCompany(ibm, 'IBM');
    const busiest = await ibm.query<{ customer_number: string; customer_id: bigint }>(
      `select c.customer_number, c.customer_id from open_item i
       join customer c on c.company_id = i.company_id and c.customer_id = i.customer_id
       where i.company_id = $1 and i.posting_date between '2013-01-01' and '2013-12-31'
       group by c.customer_number, c.customer_id order by count(*) desc, c.customer_number limit 1`,
      [company.companyId],
    );
    const { customer_number: customerNumber, customer_id: customerId } = busiest.rows[0]!;
    const request = { company: 'IBM', customerNumber, from: '2013-01-01', to: '2013-12-31' };
    const statement = await customerStatement(ibm, request);
    const json = statementToJson(statement);
    expect(json.sections).toHaveLength(1);
    const section = json.sections[0]!;
    expect(section.lines.length).toBeGreaterThan(20);

    const closing = minor(section.closingBalance, 2);
    expect(closing).toBe(await balanceAsOf(ibm, company.companyId, request.to, { customerId }));
    expect(minor(section.openingBalance, 2)).toBe(await balanceAsOf(ibm, company.companyId, '2012-12-31', { customerId }));
    expect(closingFromLines(section, 2)).toBe(closing);
    expect(minor(section.aging.total, 2)).toBe(closing);

    const report = await agingReport(ibm, {
      companies: ['IBM'],
      asOf: request.to,
      basis: 'due',
      groupBy: 'customer',
      bucketLimits: defaultBucketLimits,
      currency: 'local',
    });
    const row = report.rows.find((entry) => entry.key === customerNumber);
    expect(row?.total ?? 0n).toBe(closing);

    // Every invoice posted in the year is a line with its amount.
    const invoices = await ibm.query<{ document_number: string; amount: bigint }>(
      `select document_number, amount from open_item
       where company_id = $1 and customer_id = $2 and kind = 'invoice'
         and posting_date between '2013-01-01' and '2013-12-31' order by posting_date, item_id`,
      [company.companyId, customerId],
    );
    const invoiceLines = section.lines.filter((line) => line.type === 'invoice');
    expect(invoiceLines.map((line) => [line.documentNumber, minor(line.debit, 2)])).toEqual(
      invoices.rows.map((entry) => [entry.document_number, entry.amount]),
    );
  }, 120_000);
});
