import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkOutputOptions,
  formatCsv,
  formatJson,
  formatTable,
  writeOutput,
  writeXlsx,
  type OutputDocument,
} from './output.js';

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'ardesk-output-test-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

function sampleDocument(): OutputDocument {
  return {
    tables: [
      {
        title: 'Balances',
        columns: [
          { key: 'customer', header: 'Customer', type: 'text' },
          { key: 'amount', header: 'Amount', type: 'money' },
          { key: 'items', header: 'Items', type: 'integer' },
          { key: 'dso', header: 'DSO', type: 'decimal' },
        ],
        rows: [
          ['Gulf, "Kuwait"', { amount: 1_234_567_891n, exponent: 3 }, 12, '45.25'],
          ['Osaka', { amount: -150_000n, exponent: 0 }, 1_234n, '7'],
          ['Empty', null, 0, null],
        ],
        footer: [['Total', { amount: 9_999_999n, exponent: 2 }, 1_246, null]],
      },
    ],
  };
}

describe('text table output', () => {
  it('aligns columns and groups thousands', () => {
    const lines = formatTable(sampleDocument()).split('\n');
    expect(lines[0]).toBe('Balances');
    expect(lines[2]).toBe('Customer               Amount  Items    DSO');
    expect(lines[3]).toBe('--------------  -------------  -----  -----');
    expect(lines[4]).toBe('Gulf, "Kuwait"  1,234,567.891     12  45.25');
    expect(lines[5]).toBe('Osaka                -150,000  1,234      7');
    expect(lines[6]).toBe('Empty                              0');
    expect(lines[8]).toBe('Total               99,999.99  1,246');
  });
});

describe('CSV output', () => {
  it('writes exact decimals and quotes fields', () => {
    expect(formatCsv(sampleDocument())).toBe(
      [
        'Customer,Amount,Items,DSO',
        '"Gulf, ""Kuwait""",1234567.891,12,45.25',
        'Osaka,-150000,1234,7',
        'Empty,,0,',
        'Total,99999.99,1246,',
        '',
      ].join('\r\n'),
    );
  });
});

describe('JSON output', () => {
  it('keys rows by column and writes amounts as text', () => {
    const parsed = JSON.parse(formatJson(sampleDocument())) as {
      rows: Record<string, unknown>[];
      footer: Record<string, unknown>[];
    };
    expect(parsed.rows[0]).toEqual({ customer: 'Gulf, "Kuwait"', amount: '1234567.891', items: 12, dso: '45.25' });
    expect(parsed.rows[1]!.items).toBe(1234);
    expect(parsed.footer[0]!.amount).toBe('99999.99');
  });

  it('writes a given JSON value with bigints as text', () => {
    const text = formatJson({ tables: [], json: { total: 12345678901234567890n } });
    expect(JSON.parse(text)).toEqual({ total: '12345678901234567890' });
  });
});

describe('XLSX output', () => {
  it('writes numeric cells with the currency decimals', async () => {
    const file = join(folder, 'balances.xlsx');
    await writeXlsx(sampleDocument(), file);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    const sheet = workbook.getWorksheet('Balances')!;
    expect(sheet.getRow(1).values).toEqual([undefined, 'Customer', 'Amount', 'Items', 'DSO']);
    const kuwait = sheet.getRow(2);
    expect(kuwait.getCell(1).value).toBe('Gulf, "Kuwait"');
    expect(kuwait.getCell(2).value).toBe(1234567.891);
    expect(kuwait.getCell(2).numFmt).toBe('#,##0.000');
    expect(kuwait.getCell(3).value).toBe(12);
    expect(kuwait.getCell(4).value).toBe(45.25);
    expect(kuwait.getCell(4).numFmt).toBe('#,##0.00');
    const osaka = sheet.getRow(3);
    expect(osaka.getCell(2).value).toBe(-150000);
    expect(osaka.getCell(2).numFmt).toBe('#,##0');
    expect(sheet.getRow(4).getCell(2).value).toBeNull();
    const total = sheet.getRow(5);
    expect(total.getCell(2).value).toBe(99999.99);
    expect(total.getCell(2).numFmt).toBe('#,##0.00');
    expect(total.font?.bold).toBe(true);
  });

  it('writes amounts beyond 2^53 as exact text', async () => {
    const file = join(folder, 'large.xlsx');
    const large = 9_007_199_254_740_993n;
    await writeXlsx(
      {
        tables: [
          {
            title: 'Large',
            columns: [{ key: 'amount', header: 'Amount', type: 'money' }],
            rows: [[{ amount: large, exponent: 2 }], [{ amount: 9_007_199_254_740_991n, exponent: 2 }]],
          },
        ],
      },
      file,
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    const sheet = workbook.getWorksheet('Large')!;
    // 2^53 + 1 has no double, so it stays text; 2^53 - 1 is still a number.
    expect(sheet.getRow(2).getCell(1).value).toBe('90071992547409.93');
    expect(sheet.getRow(3).getCell(1).value).toBe(90071992547409.91);
  });

  it('names one sheet per table', async () => {
    const file = join(folder, 'two.xlsx');
    const table = sampleDocument().tables[0]!;
    await writeXlsx({ tables: [{ ...table, title: 'Aging as of 2026/01/31' }, { ...table, title: 'Aging as of 2026/01/31' }] }, file);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['Aging as of 2026 01 31', 'Aging as of 2026 01 31 2']);
  });
});

describe('output options', () => {
  it('needs a file for xlsx', () => {
    expect(() => checkOutputOptions('xlsx', undefined)).toThrow('the xlsx format writes a file: add --output FILE.xlsx');
    expect(() => checkOutputOptions('pdf', undefined)).toThrow('invalid output format "pdf"');
    expect(checkOutputOptions('csv', undefined)).toEqual({ format: 'csv', output: undefined });
  });

  it('writes to standard output or a file', async () => {
    let written = '';
    await writeOutput(sampleDocument(), { format: 'csv' }, { write: (text: string) => (written += text) });
    expect(written).toBe(formatCsv(sampleDocument()));
    const file = join(folder, 'out.json');
    await writeOutput(sampleDocument(), { format: 'json', output: file });
    expect(await readFile(file, 'utf8')).toBe(formatJson(sampleDocument()));
    await expect(writeOutput(sampleDocument(), { format: 'csv', output: join(folder, 'missing', 'x.csv') })).rejects.toThrow(
      /failed to write/,
    );
  });
});
