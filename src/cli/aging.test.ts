import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { useCliHarness } from '../../test/helpers/cli.js';
import { applyImport, type ParsedLedger } from '../ledger/index.js';
import { listSnapshots, type AgingJson } from '../aging/index.js';
import { monthEndsBetween } from './aging.js';

const ledger: ParsedLedger = {
  company: { code: 'CL01', currency: 'EUR' },
  customers: [
    { customerNumber: 'A', name: 'Alpha, Inc.', country: 'DE' },
    { customerNumber: 'B', name: 'Beta', country: 'FR' },
  ],
  items: [
    // 1,234.56 due 2026-02-10: 18 days past due on 2026-02-28.
    {
      customerNumber: 'A',
      kind: 'invoice',
      documentNumber: 'A-1',
      erpKey: 'A-1',
      documentDate: '2026-01-11',
      postingDate: '2026-01-11',
      dueDate: '2026-02-10',
      currency: 'EUR',
      amount: 123_456n,
    },
    // 99.00 due 2026-03-20: not due on 2026-02-28.
    {
      customerNumber: 'B',
      kind: 'invoice',
      documentNumber: 'B-1',
      erpKey: 'B-1',
      documentDate: '2026-02-18',
      postingDate: '2026-02-18',
      dueDate: '2026-03-20',
      currency: 'EUR',
      amount: 9_900n,
    },
    {
      customerNumber: 'B',
      kind: 'credit_note',
      documentNumber: 'B-CN',
      erpKey: 'B-CN',
      documentDate: '2026-02-20',
      postingDate: '2026-02-20',
      dueDate: '2026-02-20',
      currency: 'EUR',
      amount: -1_000n,
    },
  ],
  allocations: [],
  rowCount: 3,
};

const harness = useCliHarness('aging-cli', (database) =>
  applyImport(database, { kind: 'test', file: 'cli', sha256: 'c' }, [ledger]),
);
const { ardesk, withChildDb } = harness;

describe('ardesk aging', () => {
  it('prints a table with grouped amounts', async () => {
    const { code, stdout, stderr } = await ardesk('aging', '--as-of', '2026-02-28', '--company', 'CL01');
    expect(code, stderr).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('Aging as of 2026-02-28 by customer (due date basis, currency EUR)');
    expect(lines.find((line) => line.startsWith('A '))).toMatch(/^A\s+Alpha, Inc\.\s+EUR\s+0\.00\s+1,234\.56\s/);
    expect(lines.find((line) => line.startsWith('Total'))).toMatch(/\s1,323\.56\s+3$/);
  });

  it('writes the JSON report', async () => {
    const { code, stdout } = await ardesk('aging', '--as-of', '2026-02-28', '--company', 'CL01', '--by', 'country', '--format', 'json');
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as AgingJson;
    expect(json.asOf).toBe('2026-02-28');
    expect(json.currency).toBe('EUR');
    expect(json.rows.map((row) => [row.key, row.amounts[0], row.amounts[1], row.amounts[8], row.total])).toEqual([
      ['DE', '0.00', '1234.56', '0.00', '1234.56'],
      ['FR', '99.00', '0.00', '-10.00', '89.00'],
    ]);
    expect(json.total?.total).toBe('1323.56');
  });

  it('writes an XLSX file', async () => {
    const file = join(harness.folder(), 'aging.xlsx');
    const { code, stderr } = await ardesk('aging', '--as-of', '2026-02-28', '--format', 'xlsx', '--output', file, '--age-credits');
    expect(code, stderr).toBe(0);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.getRow(1).getCell(4).value).toBe('Not due');
    // With credits aged, B's credit note (8 days) sits in 1-30.
    expect(sheet.getRow(2).getCell(5).value).toBe(1234.56);
    expect(sheet.getRow(3).getCell(4).value).toBe(99);
    expect(sheet.getRow(3).getCell(5).value).toBe(-10);
    expect(sheet.getRow(3).getCell(5).numFmt).toBe('#,##0.00');
  });

  it('lists the items behind a row', async () => {
    const { code, stdout } = await ardesk('aging', '--as-of', '2026-02-28', '--items', '--key', 'B', '--format', 'csv');
    expect(code).toBe(0);
    expect(stdout.trim().split('\r\n')).toEqual([
      'Company,Customer,Name,Kind,Document,Document date,Due date,Days past due,Bucket,Currency,Open amount,Local currency,Open local amount',
      'CL01,B,Beta,credit_note,B-CN,2026-02-20,2026-02-20,8,Unapplied credits,EUR,-10.00,EUR,-10.00',
      'CL01,B,Beta,invoice,B-1,2026-02-18,2026-03-20,-20,Not due,EUR,99.00,EUR,99.00',
    ]);
  });

  it.each([
    [['--basis', 'x'], 'ardesk: invalid --basis "x": use due or document'],
    [['--as-of', '2026-02-30'], 'ardesk: invalid --as-of "2026-02-30": use a date as YYYY-MM-DD'],
    [['--format', 'xlsx'], 'ardesk: the xlsx format writes a file: add --output FILE.xlsx'],
    [['--buckets', '30,0'], /^ardesk: invalid bucket limits: 0 follows 30/],
    [['--company', 'ZZ'], /^ardesk: company "ZZ" not found/],
  ])('rejects %j in one line', async (args, message) => {
    const { code, stderr } = await ardesk('aging', ...args);
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});

describe('ardesk snapshot', () => {
  it('stores every month-end up to the as-of date', async () => {
    const { code, stdout, stderr } = await ardesk('snapshot', '--as-of', '2026-03-15', '--company', 'CL01', '--month-ends-from', '2026-01');
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('CL01  2026-02-28  stored: 3 lines, total 1,323.56 EUR');
    const stored = await withChildDb((database) => listSnapshots(database, { company: 'CL01' }));
    expect(stored.map((entry) => [entry.asOf, entry.isMonthEnd])).toEqual([
      ['2026-01-31', true],
      ['2026-02-28', true],
      ['2026-03-15', false],
    ]);
    const again = await ardesk('snapshot', '--as-of', '2026-02-28', '--company', 'CL01');
    expect(again.stdout).toContain('CL01  2026-02-28  already stored');
  });

  it('lists month-ends between two dates', () => {
    expect(monthEndsBetween('2025-11', '2026-02-27')).toEqual(['2025-11-30', '2025-12-31', '2026-01-31']);
    expect(monthEndsBetween('2024-02', '2024-02-29')).toEqual(['2024-02-29']);
    expect(() => monthEndsBetween('2026-3', '2026-04-30')).toThrow('invalid --month-ends-from "2026-3"');
  });
});
