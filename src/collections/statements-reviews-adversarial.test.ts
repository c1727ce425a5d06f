/**
 * Attacks on batch statements, regional overdue reviews and the disputed
 * column of the aging, each stating the behaviour a credit manager expects.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { createColumnarAgingEngine } from '../aging/columnar-engine.js';
import { sqlAgingReport } from '../aging/sql-engine.js';
import type { AgingRequest, AgingRow } from '../aging/types.js';
import { ForbiddenError } from '../auth/errors.js';
import { unrestricted, type Actor } from '../auth/types.js';
import { applyImport, getCompany, type AllocationInput, type OpenItemInput } from '../ledger/index.js';
import { createMailer, customerMail, mailSettings } from '../mail/mailer.js';
import { InputError } from '../shared/errors.js';
import { setContact } from './contacts.js';
import { openDispute, resolveDispute } from './disputes.js';
import { overdueReviewPdfBuffer } from './overdue-review-pdf.js';
import { addReviewAction, completeReviewAction, createOverdueReview, listOverdueReviews, loadOverdueReview } from './overdue-review.js';
import { statementPdfBuffer } from './statement-pdf.js';
import { customerStatement } from './statement.js';
import { runStatementBatch } from './statement-batch.js';

let db: TestDb;
let companyId: number;
let folder: string;
const actor: Actor = { userId: null, email: 'credit@example.com', role: 'credit_manager', scope: unrestricted, via: 'cli' };
const arabicName = 'شركة الخليج للتجارة';
const longName = `Very Long Trading and Contracting Company ${'Holding '.repeat(20)}W.L.L.`;
const westCount = 70;

function item(customerNumber: string, documentNumber: string, date: string, amount: bigint, extra: Partial<OpenItemInput> = {}): OpenItemInput {
  return {
    customerNumber,
    kind: amount < 0n ? 'payment' : 'invoice',
    documentNumber,
    erpKey: documentNumber,
    documentDate: date,
    postingDate: date,
    dueDate: date,
    currency: 'KWD',
    amount,
    ...extra,
  };
}

function allocate(credit: string, debit: string, date: string, amount: bigint): AllocationInput {
  return { erpKey: `AL-${credit}-${debit}`, creditErpKey: credit, debitErpKey: debit, allocationDate: date, amount };
}

async function idsOf(documentNumber: string): Promise<{ itemId: bigint; customerId: bigint }> {
  const result = await db.query<{ item_id: bigint; customer_id: bigint }>(
    'select item_id, customer_id from open_item where company_id = $1 and document_number = $2',
    [companyId, documentNumber],
  );
  return { itemId: result.rows[0]!.item_id, customerId: result.rows[0]!.customer_id };
}

async function customerIdOf(number: string): Promise<bigint> {
  const result = await db.query<{ customer_id: bigint }>('select customer_id from customer where company_id = $1 and customer_number = $2', [companyId, number]);
  return result.rows[0]!.customer_id;
}

async function dispute(documentNumber: string, date: string, amount: bigint): Promise<bigint> {
  const { itemId, customerId } = await idsOf(documentNumber);
  const opened = await openDispute(db, companyId, { customerId, reason: 'price', department: 'sales', date, items: [{ itemId, amount }] }, actor);
  return opened.disputeId;
}

async function pdfText(content: Buffer): Promise<{ text: string; pages: number }> {
  const parser = new PDFParse({ data: content });
  try {
    const result = await parser.getText();
    return { text: result.text, pages: result.total };
  } finally {
    await parser.destroy();
  }
}

/** Returns a loopback port without a listener. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const arabicLetters = /[\u0600-\u06FF\uFB50-\uFDFF\uFE70-\uFEFF]/;

beforeAll(async () => {
  db = await openTestDb();
  folder = await mkdtemp(join(tmpdir(), 'ardesk-adversarial-'));
  const west = Array.from({ length: westCount }, (_, index) => `W${String(index + 1).padStart(3, '0')}`);
  const westName = (index: number): string => {
    if (index === 0) return arabicName;
    if (index === 1) return longName;
    return `West Customer ${index + 1}`;
  };
  await applyImport(db, { kind: 'test', file: 'adversarial', sha256: 'statements-reviews-adversarial' }, [
    {
      company: { code: 'AV01', name: 'Adversarial Trading', currency: 'KWD' },
      customers: [
        { customerNumber: 'F1', name: 'Foreign Partial', region: 'Aging' },
        { customerNumber: 'P1', name: 'Paid After Dispute', region: 'Aging' },
        { customerNumber: 'CR1', name: 'Credit Flagged', region: 'Aging' },
        { customerNumber: 'FL1', name: 'Flagged Part Paid', region: 'Aging' },
        { customerNumber: 'D1', name: 'Dated Disputes', region: 'Aging' },
        { customerNumber: 'E1', name: 'East One', region: 'East' },
        { customerNumber: 'E2', name: 'East Two', region: 'East' },
        { customerNumber: 'E3', name: 'East Three', region: 'East' },
        { customerNumber: 'X/1', name: 'Slash Customer', region: 'Batch' },
        { customerNumber: 'X_1', name: 'Underscore Customer', region: 'Batch' },
        { customerNumber: 'Z1', name: 'Unmatched Payment', region: 'Batch' },
        { customerNumber: 'AR1', name: arabicName, region: 'Batch' },
        { customerNumber: 'M1', name: 'Mail One', region: 'Mail' },
        { customerNumber: 'M2', name: 'Mail Two', region: 'Mail' },
        { customerNumber: 'M3', name: 'Mail Three', region: 'Mail' },
        ...west.map((number, index) => ({ customerNumber: number, name: westName(index), region: 'West' })),
      ],
      items: [
        // F1: USD 100.00 at 0.30001, USD 40.00 paid on 2026-02-10.
        item('F1', 'INV-F1', '2026-01-01', 10_000n, { currency: 'USD', amountLocal: 30_001n, fxRate: '0.30001' }),
        item('F1', 'PAY-F1', '2026-02-10', -4_000n, { currency: 'USD', amountLocal: -12_400n, fxRate: '0.31' }),
        // P1: disputed in full, then 400.000 paid.
        item('P1', 'INV-P1', '2026-01-01', 1_000_000n),
        item('P1', 'PAY-P1', '2026-02-15', -400_000n),
        // CR1: a credit note flagged disputed next to an undisputed invoice.
        item('CR1', 'INV-CR1', '2026-01-01', 100_000n),
        item('CR1', 'CN-CR1', '2026-01-10', -50_000n, { kind: 'credit_note', disputed: true }),
        // FL1: flagged disputed, 120.000 of 300.000 paid.
        item('FL1', 'INV-FL1', '2026-01-01', 300_000n, { disputed: true }),
        item('FL1', 'PAY-FL1', '2026-02-01', -120_000n),
        item('D1', 'INV-D1', '2026-01-01', 200_000n),
        item('D1', 'INV-D2', '2026-01-01', 200_000n),
        // East: E1 overdue throughout, E2 overdue in February and paid on 2026-03-15, E3 due on 2026-03-10.
        item('E1', 'INV-E1', '2026-01-05', 100_000n, { dueDate: '2026-01-28' }),
        item('E2', 'INV-E2', '2026-01-05', 70_000n, { dueDate: '2026-01-28' }),
        item('E2', 'PAY-E2', '2026-03-15', -70_000n),
        item('E3', 'INV-E3', '2026-02-10', 30_000n, { dueDate: '2026-03-10' }),
        // Batch: two customer numbers that differ only in a character a file name cannot carry.
        item('X/1', 'INV-X-SLASH', '2026-03-05', 1_000n),
        item('X_1', 'INV-X-UNDER', '2026-03-06', 2_000n),
        // Z1: an invoice and a payment that were never matched, both open, no movement in March.
        item('Z1', 'INV-Z1', '2026-01-05', 100_000n),
        item('Z1', 'PAY-Z1', '2026-01-20', -100_000n),
        item('AR1', 'INV-AR1', '2026-03-07', 5_500n),
        item('M1', 'INV-M1', '2026-03-02', 1_100n),
        item('M2', 'INV-M2', '2026-03-02', 2_200n),
        item('M3', 'INV-M3', '2026-03-02', 3_300n),
        ...west.map((number, index) => item(number, `INV-${number}`, '2026-01-10', BigInt(1_000 * (index + 1)), { dueDate: '2026-02-10' })),
      ],
      allocations: [
        allocate('PAY-F1', 'INV-F1', '2026-02-10', 4_000n),
        allocate('PAY-P1', 'INV-P1', '2026-02-15', 400_000n),
        allocate('PAY-FL1', 'INV-FL1', '2026-02-01', 120_000n),
        allocate('PAY-E2', 'INV-E2', '2026-03-15', 70_000n),
      ],
      rowCount: 25 + westCount,
    },
  ]);
  companyId = (await getCompany(db, 'AV01')).companyId;

  // Aging disputes.
  await dispute('INV-F1', '2026-02-20', 5_000n);
  await dispute('INV-P1', '2026-01-15', 1_000_000n);
  await dispute('INV-D1', '2026-03-31', 50_000n);
  await dispute('INV-D1', '2026-04-01', 10_000n);
  const resolved = await dispute('INV-D2', '2026-03-01', 80_000n);
  await resolveDispute(db, companyId, resolved, { date: '2026-03-31', resolution: 'rejected' }, actor);
}, 180_000);

afterAll(async () => {
  await db.close();
  await rm(folder, { recursive: true, force: true });
});

function agingRequest(asOf: string, currency: 'local' | 'transaction' = 'local'): AgingRequest {
  return { companies: ['AV01'], asOf, basis: 'due', groupBy: 'customer', bucketLimits: [0, 30, 60, 90], currency };
}

const engines = [
  ['sql', (request: AgingRequest) => sqlAgingReport(db, request)],
  ['columnar', (request: AgingRequest) => createColumnarAgingEngine(db).report(request)],
] as const;

function rowOf(rows: readonly AgingRow[], key: string, currency?: string): AgingRow {
  const row = rows.find((entry) => entry.key === key && (currency === undefined || entry.currency === currency));
  if (!row) throw new Error(`no aging row for ${key} ${currency ?? ''}`);
  return row;
}

describe('aging disputed column under attack', () => {
  for (const [name, report] of engines) {
    it(`caps a dispute at the open amount after a payment (${name})`, async () => {
      // Disputed 1,000.000 on 2026-01-15, 400.000 paid on 2026-02-15.
      const before = await report(agingRequest('2026-02-01'));
      expect(rowOf(before.rows, 'P1').disputed).toBe(1_000_000n);
      const after = await report(agingRequest('2026-03-31'));
      expect(rowOf(after.rows, 'P1').disputed).toBe(600_000n);
    });

    it(`shares a foreign partial dispute (${name})`, async () => {
      const local = await report(agingRequest('2026-03-31'));
      const f1 = rowOf(local.rows, 'F1');
      // USD 50.00 of the USD 60.00 still open: 5/6 of the open local amount, half away from zero.
      const expected = (2n * 5_000n * f1.total + 6_000n) / (2n * 6_000n);
      expect(f1.disputed).toBe(expected);
      const transaction = await report(agingRequest('2026-03-31', 'transaction'));
      expect(rowOf(transaction.rows, 'F1', 'USD').disputed).toBe(5_000n);
    });

    it(`counts nothing for a disputed credit (${name})`, async () => {
      const result = await report(agingRequest('2026-03-31'));
      expect(rowOf(result.rows, 'CR1').disputed).toBe(0n);
      // The credit note stays in the balance: 100.000 - 50.000.
      expect(rowOf(result.rows, 'CR1').total).toBe(50_000n);
    });

    it(`counts the open part of a flagged item (${name})`, async () => {
      const result = await report(agingRequest('2026-03-31'));
      // 300.000 - 120.000 paid.
      expect(rowOf(result.rows, 'FL1').disputed).toBe(180_000n);
    });

    it(`dates disputes by opening and resolution (${name})`, async () => {
      const result = await report(agingRequest('2026-03-31'));
      // 50.000 opened on the day counts, but 10.000 opened the next day and 80.000 resolved on the day do not.
      expect(rowOf(result.rows, 'D1').disputed).toBe(50_000n);
      const day = await report(agingRequest('2026-03-30'));
      // Before the opening of the 50.000, the 80.000 is still open.
      expect(rowOf(day.rows, 'D1').disputed).toBe(80_000n);
    });
  }

  it('agrees between engines for every customer', async () => {
    for (const asOf of ['2026-01-31', '2026-02-15', '2026-03-31', '2026-04-30']) {
      const sql = await sqlAgingReport(db, agingRequest(asOf));
      const columnar = await createColumnarAgingEngine(db).report(agingRequest(asOf));
      const pick = (rows: readonly AgingRow[]) => rows.map((row) => [row.key, row.currency, row.total, row.disputed]);
      expect(pick(columnar.rows), asOf).toEqual(pick(sql.rows));
    }
  });
});

describe('overdue review under attack', () => {
  it('starts a first review without a previous one', async () => {
    const review = await createOverdueReview(db, { company: 'AV01', region: 'East', date: '2026-03-31' }, actor);
    expect(review.previous).toBeNull();
    // E1 100.000 and E3 30.000 are overdue, and E2 was paid on 2026-03-15.
    expect(review.customers.map((customer) => [customer.customerNumber, customer.status, customer.change])).toEqual([
      ['E1', 'listed', null],
      ['E3', 'listed', null],
    ]);
    expect(review.totals.overdue).toBe(130_000n);
    expect(review.totals.change).toBeNull();
  });

  it('rejects a second review of the region and date', async () => {
    const attempt = createOverdueReview(db, { company: 'AV01', region: 'East', date: '2026-03-31' }, actor);
    await expect(attempt).rejects.toThrow(InputError);
  });

  it('rejects a review dated before the latest one', async () => {
    const before = await listOverdueReviews(db, unrestricted, { company: 'AV01', region: 'East' });
    await expect(createOverdueReview(db, { company: 'AV01', region: 'East', date: '2026-02-28' }, actor)).rejects.toThrow(
      /already has review \d+ on 2026-03-31: a new review must be dated after it/,
    );
    expect(await listOverdueReviews(db, unrestricted, { company: 'AV01', region: 'East' })).toEqual(before);
  });

  it('keeps a region outside the scope closed', async () => {
    const westOnly: Actor = { ...actor, scope: { companyIds: null, regions: ['West'] } };
    await expect(createOverdueReview(db, { company: 'AV01', region: 'East', date: '2026-04-30' }, westOnly)).rejects.toThrow(ForbiddenError);
    const listed = await listOverdueReviews(db, westOnly.scope, { company: 'AV01' });
    expect(listed.filter((summary) => summary.region === 'East')).toEqual([]);
    const east = await listOverdueReviews(db, unrestricted, { company: 'AV01', region: 'East' });
    await expect(loadOverdueReview(db, east[0]!.reviewId, westOnly.scope)).rejects.toThrow(ForbiddenError);
  });

  it('rejects a bad owner, due date and a second completion', async () => {
    const east = await listOverdueReviews(db, unrestricted, { company: 'AV01', region: 'East' });
    const reviewId = east.find((summary) => summary.date === '2026-03-31')!.reviewId;
    const base = { customerNumber: 'E1', text: 'Call the owner', owner: 'ops@example.com', due: '2026-04-10' };
    await expect(addReviewAction(db, reviewId, { ...base, owner: 'not-an-address' }, actor)).rejects.toThrow(/owner/);
    await expect(addReviewAction(db, reviewId, { ...base, due: '2026-02-30' }, actor)).rejects.toThrow(InputError);
    await expect(addReviewAction(db, reviewId, { ...base, due: '2026-03-01' }, actor)).rejects.toThrow(/before the review date/);
    await expect(addReviewAction(db, reviewId, { ...base, customerNumber: 'W001' }, actor)).rejects.toThrow(/not on review/);
    const action = await addReviewAction(db, reviewId, base, actor);
    await completeReviewAction(db, action.actionId, { date: '2026-04-05' }, actor);
    await expect(completeReviewAction(db, action.actionId, { date: '2026-04-06' }, actor)).rejects.toThrow(/already done/);
  });

  it('breaks the PDF of many customers over pages', async () => {
    const review = await createOverdueReview(db, { company: 'AV01', region: 'West', date: '2026-03-31' }, actor);
    expect(review.customers.length).toBe(westCount);
    const { text, pages } = await pdfText(await overdueReviewPdfBuffer(review));
    expect(pages).toBeGreaterThan(1);
    for (const customer of review.customers) expect(text).toContain(customer.customerNumber);
    // W070 owes 70.000, the last of the 70 lines.
    expect(text).toContain('70.000');
  });

  it('draws an Arabic name in the review PDF', async () => {
    const listed = await listOverdueReviews(db, unrestricted, { company: 'AV01', region: 'West' });
    const review = await loadOverdueReview(db, listed[0]!.reviewId, unrestricted);
    const { text } = await pdfText(await overdueReviewPdfBuffer(review));
    expect(text).toMatch(arabicLetters);
  });
});

describe('statement batch under attack', () => {
  const period = { company: 'AV01', from: '2026-03-01', to: '2026-03-31' };

  it('names a region without customers', async () => {
    const attempt = runStatementBatch(db, { ...period, selection: { kind: 'region', region: 'Nowhere' } }, { printDir: folder }, actor);
    await expect(attempt).rejects.toThrow(InputError);
    await expect(attempt).rejects.toThrow(/Nowhere/);
  });

  it('writes one file per customer', async () => {
    const dir = await mkdtemp(join(folder, 'names-'));
    const result = await runStatementBatch(db, { ...period, selection: { kind: 'customers', customerNumbers: ['X/1', 'X_1'] } }, { printDir: dir }, actor);
    expect(result.written).toBe(2);
    expect(new Set(result.outcomes.map((outcome) => outcome.file)).size).toBe(2);
    expect((await readdir(dir)).length).toBe(2);
  });

  it('states a customer with unmatched open items', async () => {
    const dir = await mkdtemp(join(folder, 'region-'));
    const result = await runStatementBatch(db, { ...period, selection: { kind: 'region', region: 'Batch' } }, { printDir: dir }, actor);
    expect(result.outcomes.map((outcome) => outcome.customerNumber)).toContain('Z1');
  });

  it('states a named customer without movement', async () => {
    const dir = await mkdtemp(join(folder, 'named-'));
    const result = await runStatementBatch(db, { ...period, selection: { kind: 'customers', customerNumbers: ['E2', 'NOPE'] } }, { printDir: dir }, actor);
    // E2 paid everything on 2026-03-15, so its closing balance is zero.
    expect(result.outcomes.map((outcome) => [outcome.customerNumber, outcome.status, outcome.closingBalance])).toEqual([
      ['E2', 'written', 0n],
      ['NOPE', 'failed', null],
    ]);
  });

  it('draws an Arabic name in the statement PDF', async () => {
    const statement = await customerStatement(db, { ...period, customerNumber: 'AR1' });
    const { text } = await pdfText(await statementPdfBuffer(statement));
    expect(text).toMatch(arabicLetters);
  });

  it('names a print folder that is a file', async () => {
    const file = join(folder, 'not-a-folder');
    await writeFile(file, 'x');
    const attempt = runStatementBatch(db, { ...period, selection: { kind: 'customers', customerNumbers: ['M1'] } }, { printDir: file }, actor);
    await expect(attempt).rejects.toThrow(file);
  });

  it('stops on a refused connection and records the attempt', async () => {
    await setContact(db, companyId, { customerId: await customerIdOf('M1'), purpose: 'statements', email: 'ap@m1.example' }, actor);
    const dir = await mkdtemp(join(folder, 'down-'));
    const mailer = createMailer(mailSettings({ url: `smtp://127.0.0.1:${await deadPort()}`, from: 'ar@av.example' }, {}));
    try {
      const attempt = runStatementBatch(db, { ...period, selection: { kind: 'customers', customerNumbers: ['M1'] } }, { mailer, printDir: dir }, actor);
      await expect(attempt).rejects.toThrow(/ECONNREFUSED|connect/);
    } finally {
      mailer.close();
    }
    const mails = await customerMail(db, companyId, await customerIdOf('M1'));
    expect(mails.map((mail) => mail.status)).toEqual(['failed']);
    expect(await readdir(dir)).toEqual([]);
  });
});
