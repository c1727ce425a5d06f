import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { FileRowError, InputError } from '../../shared/errors.js';
import { sampleDataDir } from '../../../test/helpers/db.js';
import { balanceDifference } from '../amounts.js';
import { bankCsvMappingSchema, parseBankCsv, type BankCsvMapping } from './csv.js';

const mappingsDir = join(import.meta.dirname, '../../../examples/bank-mappings');
const loadMapping = (name: string): BankCsvMapping => JSON.parse(readFileSync(join(mappingsDir, name), 'utf8')) as BankCsvMapping;
const utf8 = (text: string) => new TextEncoder().encode(text);

/**
 * Cents of an amount as a bank writes it, computed without the parser:
 * thousands separators dropped, the decimal mark made a point, a leading
 * sign or brackets kept as the sign.
 */
function cents(text: string, decimalMark: '.' | ',', thousands: string): bigint {
  let value = text.trim();
  let negative = false;
  if (/^\(.*\)$/.test(value)) {
    negative = true;
    value = value.slice(1, -1);
  }
  if (value.startsWith('-') || value.startsWith('+')) {
    negative = value.startsWith('-');
    value = value.slice(1);
  }
  if (thousands) value = value.split(thousands).join('');
  const [whole, fraction = ''] = value.split(decimalMark);
  if (!/^\d+$/.test(whole!) || !/^\d{0,2}$/.test(fraction)) throw new Error(`not an amount: ${text}`);
  const result = BigInt(whole!) * 100n + BigInt(fraction.padEnd(2, '0'));
  return negative ? -result : result;
}

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('bankCsvMappingSchema', () => {
  it('accepts every mapping shipped in examples/bank-mappings', () => {
    for (const name of ['oberbank.json', 'easybank.json', 'paypal.json', 'adyen-settlement.json']) {
      expect(bankCsvMappingSchema.safeParse(loadMapping(name)).success, name).toBe(true);
    }
  });

  it('rejects unknown keys and an amount given two ways', () => {
    const base = { amount: { column: 'A' }, account: { fixed: 'X' }, currency: { fixed: 'EUR' }, bookingDate: 'D' };
    expect(bankCsvMappingSchema.safeParse(base).success).toBe(true);
    expect(bankCsvMappingSchema.safeParse({ ...base, amuont: 1 }).success).toBe(false);
    expect(bankCsvMappingSchema.safeParse({ ...base, amount: { column: 'A', debitColumn: 'B' } }).success).toBe(false);
    expect(bankCsvMappingSchema.safeParse({ ...base, decimalMark: ',', thousandsSeparator: ',' }).success).toBe(false);
    const error = thrown(() => parseBankCsv(utf8('D,A\n2024-01-01,1\n'), 'x.csv', { ...base, currency: { fixed: 'euro' } }));
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain('currency');
  });
});

describe('parseBankCsv on hand-written files', () => {
  it('reads preamble, D/C and decimal comma', () => {
    const text = [
      'KNAB EXPORT;;;;;',
      'Rekening;Datum;Bedrag;CreditDebet;Naam;Omschrijving',
      'NL99KNAB0123456789;02-01-2024;1.250,50;C;Acme BV;Factuur 2023-117',
      'NL99KNAB0123456789;03-01-2024;"75";D;Telecom;Abonnement',
    ].join('\n');
    const parsed = parseBankCsv(utf8(text), 'knab.csv', {
      delimiter: ';',
      skipLines: 1,
      dateFormat: 'D-M-YYYY',
      decimalMark: ',',
      thousandsSeparator: '.',
      amount: { column: 'Bedrag', indicatorColumn: 'CreditDebet', creditValues: ['C'], debitValues: ['D'] },
      account: { column: 'Rekening' },
      currency: { fixed: 'EUR' },
      bookingDate: 'Datum',
      remittance: 'Omschrijving',
      counterpartyName: 'Naam',
    });
    expect(parsed.type).toBe('csv');
    expect(parsed.warnings).toEqual([]);
    expect(parsed.statements).toHaveLength(1);
    expect(parsed.statements[0]).toMatchObject({ account: 'NL99KNAB0123456789', currency: 'EUR', line: 3, openingDate: '2024-01-02', closingDate: '2024-01-03' });
    expect(parsed.statements[0]!.entries.map((entry) => [entry.amount, entry.bookingDate, entry.counterpartyName, entry.remittance, entry.line])).toEqual([
      ['1250.50', '2024-01-02', 'Acme BV', 'Factuur 2023-117', 3],
      ['-75', '2024-01-03', 'Telecom', 'Abonnement', 4],
    ]);
  });

  it('rejects an unknown D/C indicator', () => {
    const error = thrown(() =>
      parseBankCsv(utf8('Datum;Bedrag;CD\n2024-01-02;5,00;X\n'), 'dc.csv', {
        delimiter: ';',
        decimalMark: ',',
        amount: { column: 'Bedrag', indicatorColumn: 'CD', creditValues: ['C'], debitValues: ['D'] },
        account: { fixed: 'A' },
        currency: { fixed: 'EUR' },
        bookingDate: 'Datum',
      }),
    );
    expect(error).toMatchObject({ file: 'dc.csv', line: 2, column: 'CD', value: 'X' });
  });

  it('reads a headerless file by number', () => {
    const text = ['B;31.01.2024;+10,00;EUR', 'A;01.02.2024;-2,50;EUR', 'B;02.02.2024;+1,00;USD', 'B;03.02.2024;-4,00;EUR'].join('\r\n');
    const parsed = parseBankCsv(utf8(text), 'plain.csv', {
      delimiter: ';',
      header: false,
      dateFormat: 'D.M.YYYY',
      decimalMark: ',',
      amount: { column: 3 },
      account: { column: 1 },
      currency: { column: 4 },
      bookingDate: 2,
    });
    expect(parsed.statements.map((statement) => [statement.account, statement.currency, statement.line, statement.entries.map((entry) => entry.amount)])).toEqual([
      ['B', 'EUR', 1, ['10.00', '-4.00']],
      ['A', 'EUR', 2, ['-2.50']],
      ['B', 'USD', 3, ['1.00']],
    ]);
  });

  it('reads bracketed negatives and debit/credit columns', () => {
    const brackets = parseBankCsv(utf8('Date,Amount\n2024-03-01,"(1,234.50)"\n2024-03-02,"2,000.00"\n'), 'brackets.csv', {
      thousandsSeparator: ',',
      negative: 'brackets',
      amount: { column: 'Amount' },
      account: { fixed: 'ACC' },
      currency: { fixed: 'USD' },
      bookingDate: 'Date',
    });
    expect(brackets.statements[0]!.entries.map((entry) => entry.amount)).toEqual(['-1234.50', '2000.00']);

    const columns = parseBankCsv(utf8('Date,Debit,Credit\n2024-03-01,12.5,\n2024-03-02,,7.25\n'), 'dc.csv', {
      amount: { debitColumn: 'Debit', creditColumn: 'Credit' },
      account: { fixed: 'ACC' },
      currency: { fixed: 'USD' },
      bookingDate: 'Date',
    });
    expect(columns.statements[0]!.entries.map((entry) => entry.amount)).toEqual(['-12.5', '7.25']);
  });

  it('decodes CP852 names', () => {
    const bytes = iconv.encode('Datum;Částka;Příjemce\n2024-05-02;-120,00;Šťastný Jiří\n', 'cp852');
    const parsed = parseBankCsv(bytes, 'cz.csv', {
      encoding: 'cp852',
      delimiter: ';',
      decimalMark: ',',
      amount: { column: 'Částka' },
      account: { fixed: 'CZ6508000000192000145399' },
      currency: { fixed: 'CZK' },
      bookingDate: 'Datum',
      counterpartyName: 'Příjemce',
    });
    expect(parsed.statements[0]!.entries[0]).toMatchObject({ amount: '-120.00', counterpartyName: 'Šťastný Jiří' });
  });

  it('derives balances from a running balance', () => {
    const oldestFirst = parseBankCsv(utf8('Date,Amount,Balance\n2024-01-01,10.00,110.00\n2024-01-02,-30.00,80.00\n'), 'old.csv', {
      amount: { column: 'Amount' },
      account: { fixed: 'ACC' },
      currency: { fixed: 'EUR' },
      bookingDate: 'Date',
      balance: 'Balance',
    });
    expect(oldestFirst.statements[0]).toMatchObject({ openingBalance: '100.00', closingBalance: '80.00', openingDate: '2024-01-01', closingDate: '2024-01-02' });
    expect(balanceDifference(oldestFirst.statements[0]!)).toBe('0.00');

    const newestFirst = parseBankCsv(utf8('Date,Amount,Balance\n2024-01-02,-30.00,80.00\n2024-01-01,10.00,110.00\n'), 'new.csv', {
      order: 'newestFirst',
      amount: { column: 'Amount' },
      account: { fixed: 'ACC' },
      currency: { fixed: 'EUR' },
      bookingDate: 'Date',
      balance: 'Balance',
    });
    expect(newestFirst.statements[0]).toMatchObject({ openingBalance: '100.00', closingBalance: '80.00', openingDate: '2024-01-01', closingDate: '2024-01-02' });
  });

  it('keeps only the rows a filter selects', () => {
    const text = 'Type,Date,Amount\nSettled,2024-01-01,5.00\nInfo,2024-01-01,99.00\nFee,2024-01-02,-1.00\n';
    const parsed = parseBankCsv(utf8(text), 'filter.csv', {
      filter: { column: 'Type', values: ['Settled', 'Fee'] },
      amount: { column: 'Amount' },
      account: { fixed: 'ACC' },
      currency: { fixed: 'EUR' },
      bookingDate: 'Date',
      bankCode: 'Type',
      statementId: { fixed: 'BATCH-1' },
    });
    expect(parsed.statements[0]!.statementId).toBe('BATCH-1');
    expect(parsed.statements[0]!.entries.map((entry) => [entry.bankCode, entry.amount, entry.line])).toEqual([
      ['Settled', '5.00', 2],
      ['Fee', '-1.00', 4],
    ]);
  });

  it('rejects an unreadable amount', () => {
    const text = 'Datum;Betrag\n01.02.2024;12,00\n02.02.2024;12,0O\n';
    const error = thrown(() =>
      parseBankCsv(utf8(text), 'broken.csv', {
        delimiter: ';',
        dateFormat: 'D.M.YYYY',
        decimalMark: ',',
        amount: { column: 'Betrag' },
        account: { fixed: 'ACC' },
        currency: { fixed: 'EUR' },
        bookingDate: 'Datum',
      }),
    );
    expect(error).toBeInstanceOf(FileRowError);
    expect(error).toMatchObject({ file: 'broken.csv', line: 3, column: 'Betrag', value: '12,0O' });
    expect((error as Error).message).toContain('broken.csv, line 3, column "Betrag"');
  });

  it('rejects booking, warns value dates', () => {
    const mapping: BankCsvMapping = {
      dateFormat: 'D.M.YYYY',
      amount: { column: 'Amount' },
      account: { fixed: 'ACC' },
      currency: { fixed: 'EUR' },
      bookingDate: 'Booked',
      valueDate: 'Value',
    };
    const parsed = parseBankCsv(utf8('Booked,Value,Amount\n01.02.2024,31.02.2024,5.00\n'), 'dates.csv', mapping);
    expect(parsed.statements[0]!.entries[0]).toMatchObject({ bookingDate: '2024-02-01', valueDate: null, amount: '5.00' });
    expect(parsed.warnings).toEqual([expect.objectContaining({ file: 'dates.csv', line: 2, field: 'Value', value: '31.02.2024' })]);

    const error = thrown(() => parseBankCsv(utf8('Booked,Value,Amount\n,01.02.2024,5.00\n'), 'dates.csv', mapping));
    expect(error).toMatchObject({ file: 'dates.csv', line: 2, column: 'Booked', value: '' });
  });

  it('names the header when a mapped column is missing', () => {
    const error = thrown(() =>
      parseBankCsv(utf8('Date,Amount\n2024-01-01,1.00\n'), 'cols.csv', {
        amount: { column: 'Betrag' },
        account: { fixed: 'ACC' },
        currency: { fixed: 'EUR' },
        bookingDate: 'Date',
      }),
    );
    expect(error).toMatchObject({ file: 'cols.csv', line: 1, column: 'Betrag' });
    expect((error as Error).message).toContain('Date, Amount');
  });
});

const sampleDir = sampleDataDir();

describe.skipIf(!sampleDir)('parseBankCsv on real bank exports', () => {
  const dir = join(sampleDir ?? '', 'bank-csv-exports');

  interface Expectation {
    file: string;
    mapping: string;
    encoding: string;
    delimiter: string;
    header: boolean;
    decimalMark: '.' | ',';
    thousands: string;
    /** Reads the amount in cents and the currency of one raw record. */
    read: (record: Record<string, string> | string[]) => { cents: bigint; currency: string };
    rows: number;
  }

  const expectations: Expectation[] = [
    {
      file: 'oberbank-at__oberbank.csv',
      mapping: 'oberbank.json',
      encoding: 'latin1',
      delimiter: ';',
      header: true,
      decimalMark: ',',
      thousands: '.',
      read: (record) => {
        const row = record as Record<string, string>;
        return { cents: cents(row['Betrag']!, ',', '.'), currency: row['Währung']! };
      },
      rows: 5,
    },
    {
      file: 'easybank-at__easybank-giro.csv',
      mapping: 'easybank.json',
      encoding: 'latin1',
      delimiter: ';',
      header: false,
      decimalMark: ',',
      thousands: '.',
      read: (record) => {
        const row = record as string[];
        return { cents: cents(row[4]!, ',', '.'), currency: row[5]! };
      },
      rows: 10,
    },
    {
      file: 'paypal__activity_en.csv',
      mapping: 'paypal.json',
      encoding: 'utf-8',
      delimiter: ',',
      header: true,
      decimalMark: '.',
      thousands: ',',
      read: (record) => {
        const row = record as Record<string, string>;
        return { cents: cents(row['Net']!, '.', ','), currency: row['Currency']! };
      },
      rows: 76,
    },
    {
      file: 'adyen__settlement_detail_report_batch_380.csv',
      mapping: 'adyen-settlement.json',
      encoding: 'utf-8',
      delimiter: ',',
      header: true,
      decimalMark: '.',
      thousands: '',
      read: (record) => {
        const row = record as Record<string, string>;
        const debit = row['Net Debit (NC)'] ? cents(row['Net Debit (NC)'], '.', '') : 0n;
        const credit = row['Net Credit (NC)'] ? cents(row['Net Credit (NC)'], '.', '') : 0n;
        return { cents: credit - debit, currency: row['Net Currency']! };
      },
      rows: 228,
    },
  ];

  for (const expectation of expectations) {
    describe(expectation.file, () => {
      const bytes = sampleDir ? readFileSync(join(dir, expectation.file)) : new Uint8Array();
      const parse_ = () => parseBankCsv(bytes, expectation.file, loadMapping(expectation.mapping));

      it('matches a direct read', () => {
        const parsed = parse_();
        expect(parsed.warnings).toEqual([]);
        const records = parse(iconv.decode(bytes, expectation.encoding), {
          delimiter: expectation.delimiter,
          columns: expectation.header,
          relax_column_count: true,
          skip_empty_lines: true,
        }) as (Record<string, string> | string[])[];
        expect(records).toHaveLength(expectation.rows);
        const expected = new Map<string, bigint>();
        for (const record of records) {
          const { cents: amount, currency } = expectation.read(record);
          expected.set(currency, (expected.get(currency) ?? 0n) + amount);
        }
        const entries = parsed.statements.flatMap((statement) => statement.entries);
        expect(entries).toHaveLength(expectation.rows);
        const actual = new Map<string, bigint>();
        for (const statement of parsed.statements) {
          for (const entry of statement.entries) {
            actual.set(statement.currency!, (actual.get(statement.currency!) ?? 0n) + cents(entry.amount, '.', ''));
          }
        }
        expect(actual).toEqual(expected);
      });
    });
  }

  it('decodes Latin-1 in the Oberbank file', () => {
    const name = 'oberbank-at__oberbank.csv';
    const parsed = parseBankCsv(readFileSync(join(dir, name)), name, loadMapping('oberbank.json'));
    // The currency column is found by its header "Währung" only when the file decodes right.
    expect(parsed.statements.map((statement) => statement.currency)).toEqual(['EUR']);
    expect(parsed.statements[0]!.entries[0]!.remittance).toContain('Empfängername');
    expect(parsed.statements[0]!.entries[3]).toMatchObject({
      amount: '11.00',
      counterpartyName: 'Auftraggebername',
      counterpartyAccount: 'AT022050302101023601',
      remittance: 'SCOR Verwendungszweck Empfängername, SCOR, Verwendungszweck',
    });
  });

  it('reads the easybank reference and umlauts', () => {
    const name = 'easybank-at__easybank-giro.csv';
    const parsed = parseBankCsv(readFileSync(join(dir, name)), name, loadMapping('easybank.json'));
    const entries = parsed.statements[0]!.entries;
    expect(entries.map((entry) => entry.reference)).toEqual(Array.from({ length: 10 }, (_, index) => String(index + 1).padStart(9, '0')));
    expect(entries[3]!.remittance).toContain('Einzugsermächtigung');
    expect(entries[8]!.remittance).toContain('Überweisung');
    expect(entries[4]).toMatchObject({ amount: '-1001.00', bookingDate: '2014-01-19', valueDate: '2014-01-20' });
  });

  it('reconciles each PayPal currency with its running balance', () => {
    const name = 'paypal__activity_en.csv';
    const bytes = readFileSync(join(dir, name));
    const parsed = parseBankCsv(bytes, name, loadMapping('paypal.json'));
    expect(parsed.statements.map((statement) => statement.currency)).toEqual(['USD', 'EUR', 'AUD']);
    const records = parse(bytes.toString('utf8'), { columns: true }) as Record<string, string>[];
    for (const statement of parsed.statements) {
      expect(balanceDifference(statement)).toMatch(/^0\.00$/);
      const rows = records.filter((record) => record['Currency'] === statement.currency);
      expect(cents(statement.closingBalance!, '.', '')).toBe(cents(rows.at(-1)!['Balance']!, '.', ','));
      const first = rows[0]!;
      expect(cents(statement.openingBalance!, '.', '')).toBe(cents(first['Balance']!, '.', ',') - cents(first['Net']!, '.', ','));
    }
  });

  it('reads the Adyen batch', () => {
    const name = 'adyen__settlement_detail_report_batch_380.csv';
    const parsed = parseBankCsv(readFileSync(join(dir, name)), name, loadMapping('adyen-settlement.json'));
    expect(parsed.statements).toHaveLength(1);
    expect(parsed.statements[0]).toMatchObject({ account: 'YOURCOMPANY_ACCOUNT', currency: 'USD', statementId: '380', openingBalance: null });
    expect(parsed.statements[0]!.entries.at(-1)).toMatchObject({ bankCode: 'MerchantPayout', amount: '-55308.07', bookingDate: '2021-01-07' });
  });
});
