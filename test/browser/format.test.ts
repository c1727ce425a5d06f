import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvField, escapeFormula, toCsv } from '../../web/src/format.js';

/** Reads CSV text back into rows the way a spreadsheet import splits it. */
function readCsv(csv: string): string[][] {
  return parse(csv) as string[][];
}

describe('CSV export of the web app', () => {
  const formulas = [
    '=HYPERLINK("http://127.0.0.1/x","Open")',
    '=1+1',
    '+1+1',
    '-1+1',
    '-',
    '@SUM(A1:A2)',
    '\t=1+1',
    '\r=1+1',
  ];

  it('quotes text that starts a formula', () => {
    for (const text of formulas) {
      expect(escapeFormula(text), JSON.stringify(text)).toBe(`'${text}`);
    }
  });

  it('keeps numbers and plain text', () => {
    for (const text of ['-10.00', '0.00', '1234567.125', '-0', '+5', '42', 'Acme, Inc.', 'A-1', 'C1', '', ' =1']) {
      expect(escapeFormula(text), JSON.stringify(text)).toBe(text);
    }
  });

  it('writes amounts unquoted', () => {
    expect(csvField('-10.00')).toBe('-10.00');
    expect(csvField('-1234567.125')).toBe('-1234567.125');
  });

  it('reads back formula text with a leading quote', () => {
    const rows = [
      ['C1', formulas[0]!, '-10.00'],
      ['C2', 'Acme, "North"', '0.00'],
      ['C3', '@cmd', '1234.50'],
    ];
    const csv = toCsv(['Customer', 'Name', 'Total'], rows);
    expect(csv.split('\r\n')[1]!.endsWith(',-10.00')).toBe(true);
    expect(readCsv(csv)).toEqual([
      ['Customer', 'Name', 'Total'],
      ['C1', `'${formulas[0]!}`, '-10.00'],
      ['C2', 'Acme, "North"', '0.00'],
      ['C3', "'@cmd", '1234.50'],
    ]);
  });

  it('keeps every cell of a row with tabs and line breaks', () => {
    const rows = formulas.map((text, index) => [`C${index}`, text, String(-index)]);
    const read = readCsv(toCsv(['Customer', 'Name', 'Total'], rows)).slice(1);
    expect(read.map((row) => row[1])).toEqual(formulas.map((text) => `'${text}`));
    expect(read.map((row) => row[2])).toEqual(rows.map((row) => row[2]));
  });
});
