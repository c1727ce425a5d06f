import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PDFParse } from 'pdf-parse';
import { describe, expect, it } from 'vitest';
import { useCliHarness } from '../../test/helpers/cli.js';
import { applyImport, type OpenItemInput, type ParsedLedger } from '../ledger/index.js';

function invoice(customerNumber: string, documentNumber: string, due: string, amount: bigint): OpenItemInput {
  return {
    customerNumber,
    kind: 'invoice',
    documentNumber,
    erpKey: documentNumber,
    documentDate: '2026-01-10',
    postingDate: '2026-01-10',
    dueDate: due,
    currency: 'KWD',
    amount,
  };
}

// On 2026-03-31 North owes 750.250 (W1) + 120.000 (W2) overdue; W3 is not due; E1 is East.
const ledger: ParsedLedger = {
  company: { code: 'RC01', name: 'Review Traders', currency: 'KWD' },
  customers: [
    { customerNumber: 'W1', name: 'Wadi Motors', region: 'North' },
    { customerNumber: 'W2', name: 'Wafra Farms', region: 'North' },
    { customerNumber: 'W3', name: 'Warba Marine', region: 'North' },
    { customerNumber: 'E1', name: 'Eastern Glass', region: 'East' },
  ],
  items: [
    invoice('W1', 'W1-1', '2026-02-09', 750_250n),
    invoice('W2', 'W2-1', '2026-03-20', 120_000n),
    invoice('W3', 'W3-1', '2026-04-30', 80_000n),
    invoice('E1', 'E1-1', '2026-02-09', 999_000n),
  ],
  allocations: [],
  rowCount: 4,
};

const harness = useCliHarness('review-cli', (database) => applyImport(database, { kind: 'test', file: 'cli', sha256: 'review-cli' }, [ledger]));
const { ardesk } = harness;

describe('ardesk review', () => {
  it('creates a review, records an action and writes the pack', async () => {
    const created = await ardesk('review', 'create', '--company', 'RC01', '--region', 'North', '--date', '2026-03-31');
    expect(created.code, created.stderr).toBe(0);
    const reviewId = /Overdue review (\d+):/.exec(created.stdout)?.[1];
    expect(reviewId).toBeDefined();
    expect(created.stdout).toMatch(/^W1\s+Wadi Motors\s+listed\s+750\.250/m);
    expect(created.stdout).toMatch(/^W2\s+Wafra Farms\s+listed\s+120\.000/m);
    expect(created.stdout).not.toContain('Warba Marine');
    // 750.250 + 120.000
    expect(created.stdout).toMatch(/^Total\s+870\.250/m);

    const action = await ardesk('review', 'action', reviewId!, '--customer', 'W2', '--text', 'Send statement and call', '--owner', 'ana@example.com', '--due', '2026-04-07');
    expect(action.code, action.stderr).toBe(0);
    expect(action.stdout).toContain('Send statement and call');

    const file = join(harness.folder(), 'review.pdf');
    const pdf = await ardesk('review', 'pdf', reviewId!, '--output', file);
    expect(pdf.code, pdf.stderr).toBe(0);
    const parser = new PDFParse({ data: await readFile(file) });
    const text = (await parser.getText()).text;
    await parser.destroy();
    expect(text).toContain('region North');
    expect(text).toContain('870.250 KWD');
    expect(text).toContain('Wadi Motors');
    expect(text).toContain('Wafra Farms');
    expect(text).toContain('Send statement and call');
  });

  it('names a bad date and an unknown region', async () => {
    const badDate = await ardesk('review', 'create', '--company', 'RC01', '--region', 'North', '--date', '2026-02-30');
    expect(badDate.code).toBe(1);
    expect(badDate.stderr).toContain('invalid --date "2026-02-30"');
    const unknown = await ardesk('review', 'create', '--company', 'RC01', '--region', 'Nowhere', '--date', '2026-03-31');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no customer of company RC01 is in region "Nowhere"');
  });
});
