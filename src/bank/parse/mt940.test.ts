import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleDataDir } from '../../../test/helpers/db.js';
import { FileRowError } from '../../shared/errors.js';
import { balanceDifference, compareDecimals } from '../amounts.js';
import type { ParsedBankFile } from '../statement.js';
import { parseMt940 } from './mt940.js';

const sampleDir = sampleDataDir();
const folder = sampleDir ? join(sampleDir, 'mt940-statements') : '';

function parseSample(name: string): ParsedBankFile {
  return parseMt940(readFileSync(join(folder, name)), name);
}

function parseText(text: string, file = 'fixture.sta'): ParsedBankFile {
  return parseMt940(new TextEncoder().encode(text), file);
}

/**
 * Statements whose own figures do not add up, with the difference worked
 * out by hand from the raw balances and amounts.
 */
const unbalanced: Record<string, Record<number, string>> = {
  // C0,00 opening, one debit of 12,35, C0,00 closing: 0 - (0 - 12.35).
  'commerzbank-de__commerzbank.txt': { 0: '12.35' },
  // C0,00 opening, a debit of 20000,00, C0,00 closing.
  'hsbc-hk__sample': { 0: '20000.00' },
  // 229,2 - 79,9 + 10,1 = 159,4 against a closing balance of 159,6.
  'postfinance-ch__postfinance.txt': { 1: '0.2' },
  // 25170637,10 + 2066637,00 - 14790,00 - 3051800,00 - 3892,77 - 789,24
  // - 1578,49 - 6000,00 = 24158423,60 against 25281687,60.
  'raiffeisen-hu__raiffeisen-cmi.sta': { 0: '1123264.00' },
};

/** Counts statements in the raw text as the larger count of opening or closing balance tags. */
function countStatements(bytes: Buffer): number {
  const text = bytes.toString('latin1');
  const openings = text.match(/^:60[FM]:/gm)?.length ?? 0;
  const closings = text.match(/^:62[FM]:/gm)?.length ?? 0;
  return Math.max(openings, closings);
}

describe.skipIf(!sampleDir)('MT940 sample files', () => {
  const files = sampleDir ? readdirSync(folder).sort() : [];

  it('finds sample files', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  describe.each(files)('%s', (name) => {
    it('parses, counts and balances statements', () => {
      const bytes = readFileSync(join(folder, name));
      const parsed = parseMt940(bytes, name);
      expect(parsed.type).toBe('mt940');
      expect(parsed.statements.length).toBe(countStatements(bytes));
      expect(parsed.statements.length).toBeGreaterThan(0);
      parsed.statements.forEach((statement, index) => {
        expect(statement.account, `statement ${index}`).not.toBe('');
        const difference = balanceDifference(statement);
        if (difference === null) return;
        const expected = unbalanced[name]?.[index] ?? '0';
        expect(compareDecimals(difference, expected), `statement ${index}: difference ${difference}`).toBe(0);
      });
      if (name.startsWith('olb-de')) return;
      expect(parsed.warnings).toEqual([]);
    });
  });

  it('decodes CP852 (raiffeisen-hu)', () => {
    const parsed = parseSample('raiffeisen-hu__raiffeisen-cmi.sta');
    const statement = parsed.statements[0];
    expect(statement?.account).toBe('123456789150ABCDEF002');
    expect(statement?.currency).toBe('HUF');
    expect(statement?.entries[0]?.remittance).toContain('Csoportos átutalás jóváírása');
    expect(statement?.entries[1]?.remittance).toContain('Bankon belüli átutalás');
    // CF and DF: credit or debit followed by the funds code F.
    expect(statement?.entries.map((entry) => entry.amount).slice(0, 2)).toEqual(['2066637.00', '-14790.00']);
  });

  it('joins split GVC sub-fields (sparkasse-de)', () => {
    const parsed = parseSample('sparkasse-de__sparkasse.txt');
    const entry = parsed.statements[0]?.entries[0];
    // `Chemni?23tz` splits a word between sub-fields, `257` / `//Ch` between physical lines.
    expect(entry?.remittance).toContain('Aral Tankstelle Chemnitz Leipziger Straße 257//Chemnitz/DE');
    expect(entry?.amount).toBe('-20.00');
    expect(entry?.bankCode).toBe('106');
    expect(entry?.counterpartyName).toBe('ARAL AG');
    expect(entry?.counterpartyAccount).toBe('DE95430800830802029200');
    expect(entry?.bookingDate).toBe('2019-02-18');
  });

  it('reads space before NRTI (commerzbank-de)', () => {
    const parsed = parseSample('commerzbank-de__commerzbank.txt');
    const statement = parsed.statements[0];
    expect(statement?.account).toBe('25040066/0123456789');
    const entry = statement?.entries[0];
    expect(entry?.amount).toBe('-12.35');
    expect(entry?.bankCode).toBe('109');
    expect(entry?.reference).toBe('A1.200080779.400143254.4961336');
    expect(entry?.counterpartyName).toBe('TESTER EL');
    expect(entry?.counterpartyAccount).toBe('DE50712345600200691329');
    expect(entry?.remittance).toContain('SVWZ+SONSTIGE GRUENDE ENDABRECHNUNG NR. 500106875');
  });

  it('warns on broken :65F: (olb-de)', () => {
    const name = 'olb-de__K4262927_20200905-080000-952.txt';
    const parsed = parseSample(name);
    expect(parsed.warnings).toHaveLength(1);
    expect(parsed.warnings[0]).toMatchObject({ file: name, line: 10, field: ':65F:', value: 'Dnullnull7414,3' });
    const statement = parsed.statements[0];
    expect(statement?.openingBalance).toBe('0');
    expect(statement?.closingBalance).toBeNull();
    expect(statement?.entries.map((entry) => entry.amount)).toEqual(['230.00']);
    expect(statement?.entries[0]?.reference).toBe('SCP 100 / 0082002528');
  });

  it('ignores :86: after :62F: (hsbc-hk)', () => {
    const parsed = parseSample('hsbc-hk__sample');
    const entries = parsed.statements[0]?.entries ?? [];
    expect(entries).toHaveLength(1);
    expect(entries[0]?.amount).toBe('-20000.00');
    expect(entries[0]?.remittance).toContain('PAYMENT OF INVOICES 204011665 20401 1687');
    expect(entries[0]?.remittance).not.toContain('HSBCHKHH');
    expect(entries[0]?.reference).toBe('1004688128');
  });

  it('reads amounts without decimals (kbs-mk)', () => {
    const statement = parseSample('kbs-mk__sample').statements[0];
    expect(statement?.openingBalance).toBe('35122');
    expect(statement?.closingBalance).toBe('36992');
    expect(statement?.entries.map((entry) => entry.amount)).toEqual(['-80', '-300', '2250']);
    expect(statement?.entries[2]?.remittance).toContain('Uplata po faktura 747');
    expect(statement?.entries[2]?.counterpartyName).toBe('IVOTEHNA DOOEL SKOPJE');
  });

  it('reads /EREF/, /REMI/ and returns (ing-nl)', () => {
    const statement = parseSample('ing-nl__test-ing.940').statements[0];
    expect(statement?.account).toBe('NL77INGB0574908765');
    expect(statement?.currency).toBe('EUR');
    const [first, , returned] = statement?.entries ?? [];
    expect(first?.reference).toBe('EV12341REP1231456T1234');
    expect(first?.remittance).toBe('EV10001REP1000000T1000');
    expect(first?.counterpartyAccount).toBe('NL32INGB0000012345');
    // NRTI entries carry the mark of the return itself: C brings the debited money back.
    expect(returned?.bankCode).toBe('NRTI');
    expect(returned?.amount).toBe('1.57');
    expect(returned?.remittance).toBe('Factuurnr 123456 Klantnr 00123');
    const returnedDebit = statement?.entries.find((entry) => entry.line === 39);
    expect(returnedDebit?.amount).toBe('-12.75');
    expect(returnedDebit?.remittance).toBe('CONTRIBUTIE FEB 2014');
  });

  it('reads SOH/ETX envelopes (postfinance-ch)', () => {
    const parsed = parseSample('postfinance-ch__postfinance.txt');
    expect(parsed.statements.map((statement) => statement.line)).toEqual([2, 16]);
    const [first, second] = parsed.statements;
    expect(first?.account).toBe('123456789');
    expect(first?.closingBalance).toBe('229.2');
    expect(second?.openingBalance).toBe('229.2');
    expect(second?.closingBalance).toBe('159.6');
    expect(first?.entries.map((entry) => entry.bankCode)).toEqual(['FMSC', 'FMSC']);
  });
});

const header = ':20:REF1\n:25:NL91ABNA0417164300\n:28C:1/1\n';

describe('MT940 fixtures', () => {
  it('signs reversals, skips funds codes', () => {
    const parsed = parseText(
      header +
        ':60F:C200101EUR100,00\n' +
        ':61:2001020102RC10,00NTRFNONREF\n' + // reversal of a credit: money goes out
        ':61:2001020102RD5,00NTRFNONREF\n' + // reversal of a debit: money comes back
        ':61:2001020102DD1,00NTRFNONREF\n' + // debit with funds code D
        ':61:2001020102RCR2,00NTRFNONREF\n' + // reversal of a credit with funds code R
        ':61:2001020102CR3,00NTRFNONREF\n' + // credit with funds code R
        ':62F:C200102EUR95,00\n-',
    );
    const statement = parsed.statements[0];
    expect(statement?.entries.map((entry) => entry.amount)).toEqual(['-10.00', '5.00', '-1.00', '-2.00', '3.00']);
    expect(balanceDifference(statement ?? { openingBalance: null, closingBalance: null, entries: [] })).toBe('0.00');
  });

  it('dates booking across year end', () => {
    const parsed = parseText(`${header}:60F:C191231EUR1,00\n:61:2001011231D1,00NTRFX\n:62F:C200101EUR0,00\n`);
    const entry = parsed.statements[0]?.entries[0];
    expect(entry?.valueDate).toBe('2020-01-01');
    expect(entry?.bookingDate).toBe('2019-12-31');
    expect(entry?.reference).toBe('X');
  });

  it('missing :62F: gives null closing', () => {
    const parsed = parseText(`${header}:60F:D200101EUR7,5\n:61:200101C1,00NMSCNONREF\n:86:free text\n`);
    const statement = parsed.statements[0];
    expect(statement?.openingBalance).toBe('-7.5');
    expect(statement?.closingBalance).toBeNull();
    expect(statement?.entries[0]?.remittance).toBe('free text');
    expect(statement?.entries[0]?.reference).toBeNull();
    expect(parsed.warnings).toEqual([]);
  });

  it('rejects broken :61: amount', () => {
    const text = `${header}:60F:C200101EUR1,00\n:61:2001010101D1O,00NTRFNONREF\n:62F:C200101EUR1,00\n`;
    let error: unknown;
    try {
      parseText(text, 'broken.sta');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FileRowError);
    expect(error).toMatchObject({ file: 'broken.sta', line: 5, column: ':61:', value: '2001010101D1O,00NTRFNONREF' });
  });

  it('rejects broken mark and balances', () => {
    expect(() => parseText(`${header}:60F:C200101EUR1,00\n:61:200101X1,00NTRF\n`)).toThrow(/line 5, column ":61:"/);
    expect(() => parseText(`${header}:60F:C200101EUR1.00\n`)).toThrow(/line 4, column ":60F:".*C200101EUR1\.00/);
    expect(() => parseText(`${header}:60F:C200101EUR1,00\n:62F:X\n`)).toThrow(/line 5, column ":62F:"/);
  });

  it('rejects file without :20:/:25:', () => {
    expect(() => parseText('hello\nworld\n', 'notes.txt')).toThrow(/^notes\.txt, line 1, column ":20:"/);
  });

  it('reads LF and CRLF alike', () => {
    const lines = [
      '{1:F01BANKBEBBAXXX0000000000}{2:I940BANKBEBBXXXXN}{4:',
      ':20:REF1',
      ':25:NL91ABNA0417164300 EUR',
      ':28C:1/1',
      ':60F:C200101EUR10,',
      ':61:2001010101D2,50NTRFINV-1//B1',
      'NL91ABNA0417164300',
      ':86:/EREF/E2E-1//NAME/ACME/REMI/Invoice',
      ' 1234/',
      ':62F:C200101EUR7,50',
      '-}',
    ];
    const lf = parseText(lines.join('\n'));
    const crlf = parseText(`${lines.join('\r\n')}\r\n`);
    expect(crlf).toEqual(lf);
    const entry = lf.statements[0]?.entries[0];
    expect(lf.statements[0]?.account).toBe('NL91ABNA0417164300');
    expect(entry).toMatchObject({
      amount: '-2.50',
      reference: 'E2E-1',
      remittance: 'Invoice 1234',
      counterpartyName: 'ACME',
      counterpartyAccount: 'NL91ABNA0417164300',
      line: 6,
    });
  });

  it('skips unknown tags and owner :86:', () => {
    const parsed = parseText(`${header}:60F:C200101EUR1,00\n:NS:01X\n:61:200101C1,00NTRFA\n:NS:02Y\n:62F:C200101EUR2,00\n:86:owner\n`);
    expect(parsed.warnings).toEqual([]);
    expect(parsed.statements[0]?.entries[0]?.remittance).toBeNull();
  });
});
