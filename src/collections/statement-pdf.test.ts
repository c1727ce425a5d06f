import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { applyImport, type OpenItemInput } from '../ledger/index.js';
import { addDays } from '../shared/dates.js';
import { customerStatement } from './statement.js';
import { statementPdfBuffer, writeStatementPdfs, type StatementJob } from './statement-pdf.js';

let db: TestDb;
let folder: string;

/** Long enough a history to fill several pages. */
const invoiceCount = 180;

function invoice(customerNumber: string, index: number, currency: string, amount: bigint): OpenItemInput {
  const date = addDays('2026-01-01', Math.floor(index / 2));
  return {
    customerNumber,
    kind: 'invoice',
    documentNumber: `${customerNumber}-INV-${String(index).padStart(4, '0')}`,
    erpKey: `${customerNumber}-INV-${index}`,
    documentDate: date,
    postingDate: date,
    dueDate: addDays(date, 30),
    currency,
    amount,
    ...(currency === 'KWD' ? {} : { amountLocal: amount * 3n, fxRate: '0.3' }),
  };
}

beforeAll(async () => {
  db = await openTestDb();
  folder = await mkdtemp(join(tmpdir(), 'ardesk-statement-pdf-'));
  const long = Array.from({ length: invoiceCount }, (_, index) => invoice('LONG', index, 'KWD', 1_000_123n + BigInt(index)));
  await applyImport(db, { kind: 'test', file: 'statement-pdf', sha256: 'statement-pdf' }, [
    {
      company: { code: 'KW02', name: 'Kuwait Cables Company', currency: 'KWD' },
      customers: [
        { customerNumber: 'LONG', name: 'Burgan Contracting' },
        { customerNumber: 'TWO', name: 'Salmiya Retail', region: 'KW-S' },
      ],
      items: [
        ...long,
        invoice('TWO', 0, 'KWD', 12_345_678n),
        invoice('TWO', 1, 'EUR', 98_765n),
        {
          ...invoice('TWO', 2, 'KWD', -1_000_000n),
          kind: 'payment',
          documentNumber: 'TWO-PAY-1',
          erpKey: 'TWO-PAY-1',
        },
      ],
      allocations: [],
      rowCount: invoiceCount + 3,
    },
  ]);
}, 60_000);

afterAll(async () => {
  await db.close();
  await rm(folder, { recursive: true, force: true });
});

async function pdfText(data: Uint8Array): Promise<{ text: string; pages: string[] }> {
  const parser = new PDFParse({ data });
  try {
    const result = await parser.getText();
    return { text: result.text, pages: result.pages.map((page) => page.text) };
  } finally {
    await parser.destroy();
  }
}

describe('statementPdfBuffer', () => {
  it('prints the heading, lines, balances and aging as extractable text', async () => {
    const statement = await customerStatement(db, { company: 'KW02', customerNumber: 'TWO', from: '2026-01-01', to: '2026-03-31' });
    const { text } = await pdfText(await statementPdfBuffer(statement));
    expect(text).toContain('Kuwait Cables Company');
    expect(text).toContain('Salmiya Retail');
    expect(text).toContain('Customer number TWO');
    expect(text).toContain('Period 2026-01-01 to 2026-03-31');
    expect(text).toContain('TWO-INV-0000');
    expect(text).toContain('TWO-PAY-1');
    // KWD: 12,345.678 invoiced, 1,000.000 paid; EUR 987.65 invoiced.
    expect(text).toContain('11,345.678');
    expect(text).toContain('987.65');
    expect(text).toContain('Balance KWD');
    expect(text).toContain('Balance EUR');
    expect(text).toContain('Over 365');
    expect(text).toMatch(/Unapplied\s+credits/);
    // Totals in KWD: 11,345.678 + 987.65 EUR booked at 296.295 KWD.
    expect(text).toContain('Closing balance 11,641.973 KWD');
  });

  it('breaks a long statement over pages and repeats the table header', async () => {
    const statement = await customerStatement(db, { company: 'KW02', customerNumber: 'LONG', from: '2026-01-01', to: '2026-12-31' });
    const closing = statement.sections[0]!.closingBalance;
    const expected = Array.from({ length: invoiceCount }, (_, index) => 1_000_123n + BigInt(index)).reduce((a, b) => a + b, 0n);
    expect(closing).toBe(expected);
    const { text, pages } = await pdfText(await statementPdfBuffer(statement));
    expect(pages.length).toBeGreaterThan(2);
    const withLines = pages.filter((page) => page.includes('LONG-INV-'));
    expect(withLines.length).toBeGreaterThan(2);
    for (const page of withLines) expect(page).toContain('Balance KWD');
    expect(withLines.slice(1).every((page) => page.includes('Account in KWD (continued)'))).toBe(true);
    expect(pages.at(-1)).toContain(`Page ${pages.length} of ${pages.length}`);
    const grouped = `${(expected / 1000n).toLocaleString('en-US')}.${String(expected % 1000n).padStart(3, '0')}`;
    expect(text).toContain(grouped);
    for (let index = 0; index < invoiceCount; index++) {
      expect(text).toContain(`LONG-INV-${String(index).padStart(4, '0')}`);
    }
  });
});

describe('writeStatementPdfs', () => {
  it('writes one file per statement and reports a failed one without stopping', async () => {
    async function* jobs(): AsyncGenerator<StatementJob> {
      for (const customerNumber of ['TWO', 'MISSING', 'LONG']) {
        yield {
          request: { company: 'KW02', customerNumber, from: '2026-01-01', to: '2026-06-30' },
          file: join(folder, `${customerNumber}.pdf`),
        };
      }
    }
    const seen: string[] = [];
    const outcomes = await writeStatementPdfs(db, jobs(), (outcome) => seen.push(outcome.customerNumber));
    expect(seen).toEqual(['TWO', 'MISSING', 'LONG']);
    expect(outcomes.map((outcome) => [outcome.customerNumber, outcome.ok, outcome.error])).toEqual([
      ['TWO', true, null],
      ['MISSING', false, 'customer "MISSING" not found in company KW02'],
      ['LONG', true, null],
    ]);
    expect(existsSync(join(folder, 'MISSING.pdf'))).toBe(false);
    expect(existsSync(join(folder, 'TWO.pdf.part'))).toBe(false);
    for (const customerNumber of ['TWO', 'LONG']) {
      const { text } = await pdfText(new Uint8Array(await readFile(join(folder, `${customerNumber}.pdf`))));
      expect(text).toContain(`Customer number ${customerNumber}`);
    }
  });

  it('reports a file it cannot write', async () => {
    const outcomes = await writeStatementPdfs(db, [
      {
        request: { company: 'KW02', customerNumber: 'TWO', from: '2026-01-01', to: '2026-06-30' },
        file: join(folder, 'no-such-folder', 'TWO.pdf'),
      },
    ]);
    expect(outcomes[0]!.ok).toBe(false);
    expect(outcomes[0]!.error).toContain('no-such-folder');
  });
});
