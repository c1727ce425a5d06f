import { describe, expect, it } from 'vitest';
import { FileRowError, InputError } from '../shared/errors.js';
import { validateMapping, type ImportMapping } from './mapping.js';
import { parseMappedTable, type MappedParseContext } from './mapped.js';
import { readDelimited } from './table.js';

const exponents = new Map([
  ['USD', 2],
  ['EUR', 2],
  ['CAD', 2],
  ['KWD', 3],
  ['JPY', 0],
]);

function context(overrides: Partial<MappedParseContext> = {}): MappedParseContext {
  return { existingCurrencies: new Map(), exponents, ...overrides };
}

/** A mapping for `customer,document,date,due,amount` files, with overrides. */
function mapping(overrides: Partial<ImportMapping> = {}): ImportMapping {
  return {
    customer: { number: 'customer' },
    item: {
      documentNumber: 'document',
      kind: { bySign: { debit: 'invoice', credit: 'credit_note' } },
      postingDate: 'date',
      dueDate: 'due',
    },
    amount: { column: 'amount' },
    ...overrides,
  };
}

function parse(text: string, input: ImportMapping, parseContext = context()) {
  const resolved = validateMapping(input, 'test');
  const table = readDelimited(text, 'test.csv', resolved.file);
  return parseMappedTable(table, resolved, parseContext);
}

function amounts(text: string, input: ImportMapping): bigint[] {
  return parse(text, input).ledgers.flatMap((ledger) => ledger.items.map((item) => item.amount));
}

function rowError(run: () => unknown): FileRowError {
  try {
    run();
  } catch (error) {
    if (error instanceof FileRowError) return error;
    throw error;
  }
  throw new Error('expected a FileRowError');
}

const header = 'customer,document,date,due,amount\n';

describe('sign conventions', () => {
  it('reads a leading minus', () => {
    const text = `${header}C1,D1,2024-01-05,2024-02-04,100.50\nC1,D2,2024-01-06,2024-01-06,-20.25\n`;
    expect(amounts(text, mapping())).toEqual([10050n, -2025n]);
  });

  it('reads a trailing minus with German separators', () => {
    const text = 'customer;document;date;due;amount\nC1;D1;05.01.2024;04.02.2024;1.234,56\nC1;D2;06.01.2024;06.01.2024;1.234,56-\n';
    const input = mapping({
      file: { delimiter: ';' },
      dateFormat: 'D.M.YYYY',
      amount: { column: 'amount', sign: 'trailingMinus', decimalSeparator: ',', thousandsSeparator: '.' },
    });
    expect(amounts(text, input)).toEqual([123456n, -123456n]);
  });

  it('reads brackets as a minus', () => {
    const text = `${header}C1,D1,2024-01-05,2024-02-04,"1,234.56"\nC1,D2,2024-01-06,2024-01-06,"(1,234.56)"\n`;
    const input = mapping({ amount: { column: 'amount', sign: 'brackets', thousandsSeparator: ',' } });
    expect(amounts(text, input)).toEqual([123456n, -123456n]);
  });

  it('nets separate debit and credit columns', () => {
    const text = 'customer,document,date,due,debit,credit\nC1,D1,2024-01-05,2024-02-04,100.00,\nC1,D2,2024-01-06,2024-01-06,,40.00\nC1,D3,2024-01-07,2024-01-07,10.00,15.00\n';
    const input = mapping({ amount: { sign: 'debitCreditColumns', debitColumn: 'debit', creditColumn: 'credit' } });
    expect(amounts(text, input)).toEqual([10000n, -4000n, -500n]);
  });

  it('signs by a debit/credit indicator', () => {
    const text = 'customer,document,date,due,amount,dc\nC1,D1,2024-01-05,2024-02-04,100.00,S\nC1,D2,2024-01-06,2024-01-06,40.00,H\nC1,D3,2024-01-06,2024-01-06,5.00,cr\n';
    const input = mapping({ amount: { column: 'amount', sign: 'indicator', indicatorColumn: 'dc' } });
    expect(amounts(text, input)).toEqual([10000n, -4000n, -500n]);
  });

  it('signs by the item kind', () => {
    const text = 'customer,document,date,due,amount,type\nC1,D1,2024-01-05,2024-02-04,100.00,RV\nC1,D2,2024-01-06,2024-01-06,40.00,DZ\n';
    const input = mapping({
      item: {
        documentNumber: 'document',
        kind: { column: 'type', values: { RV: 'invoice', DZ: 'payment' } },
        postingDate: 'date',
        dueDate: 'due',
      },
      amount: { column: 'amount', sign: 'kind' },
    });
    const items = parse(text, input).ledgers[0]!.items;
    expect(items.map((item) => [item.kind, item.amount])).toEqual([
      ['invoice', 10000n],
      ['payment', -4000n],
    ]);
  });

  it('rejects an unknown indicator', () => {
    const text = 'customer,document,date,due,amount,dc\nC1,D1,2024-01-05,2024-02-04,100.00,X\n';
    const input = mapping({ amount: { column: 'amount', sign: 'indicator', indicatorColumn: 'dc' } });
    const error = rowError(() => parse(text, input));
    expect(error.column).toBe('dc');
    expect(error.value).toBe('X');
    expect(error.line).toBe(2);
  });

  it('rejects a credit amount on an invoice', () => {
    const text = `${header}C1,D1,2024-01-05,2024-02-04,-5.00\n`;
    const input = mapping({
      item: { documentNumber: 'document', kind: { fixed: 'invoice' }, postingDate: 'date', dueDate: 'due' },
    });
    const error = rowError(() => parse(text, input));
    expect(error.column).toBe('amount');
    expect(error.message).toMatch(/must be a debit/);
  });
});

describe('mapped rows', () => {
  it('skips a preamble and counts its lines', () => {
    const text = `Open items report\r\nPrinted 2024-02-01\r\n\r\n${header.replace('\n', '\r\n')}C1,D1,2024-01-05,2024-02-04,1.00\r\nC1,D2,2024-01-05,2024-02-04,x\r\n`;
    const input = mapping({ file: { skipLines: 3 } });
    const error = rowError(() => parse(text, input));
    expect(error.line).toBe(6);
    expect(error.value).toBe('x');
    const good = parse(text.replace(',x\r\n', ',2.00\r\n'), input);
    expect(good.ledgers[0]!.items.map((item) => item.sourceLine)).toEqual([5, 6]);
  });

  it('counts lines inside quoted fields', () => {
    const text = 'customer,name,document,date,due,amount\nC1,"Two\nline name",D1,2024-01-05,2024-02-04,1.00\nC2,Plain,D2,2024-01-05,bad,2.00\n';
    const input = mapping({ customer: { number: 'customer', name: 'name' } });
    const error = rowError(() => parse(text, input));
    expect(error.line).toBe(4);
    expect(error.column).toBe('due');
  });

  it('reads a file without a header by column number', () => {
    const text = 'C1;D1;20240105;20240204;12,50\nC2;D2;20240106;20240205;7,00\n';
    const input: ImportMapping = {
      file: { header: false, delimiter: ';' },
      dateFormat: 'YYYYMMDD',
      customer: { number: 1 },
      item: { documentNumber: 2, kind: { fixed: 'invoice' }, postingDate: 3, dueDate: 4 },
      amount: { column: 5, decimalSeparator: ',' },
    };
    const items = parse(text, input).ledgers[0]!.items;
    expect(items.map((item) => [item.customerNumber, item.postingDate, item.amount])).toEqual([
      ['C1', '2024-01-05', 1250n],
      ['C2', '2024-01-06', 700n],
    ]);
    const short = rowError(() => parse('C1;D1;20240105;20240204\n', input));
    expect(short.column).toBe('5');
    expect(short.message).toMatch(/only 4 fields/);
  });

  it('keeps leading zeros and reads float ids', () => {
    const text = 'customer,document,year,date,due,amount\n0200706844,1930571429.0,2020.0,2020-02-27,2020-03-13,8734.71\n';
    const input = mapping({
      floatIds: true,
      item: {
        documentNumber: 'document',
        erpKey: { columns: ['year', 'document'], separator: '/' },
        kind: { fixed: 'invoice' },
        postingDate: 'date',
        dueDate: 'due',
      },
    });
    const ledger = parse(text, input).ledgers[0]!;
    expect(ledger.customers[0]!.customerNumber).toBe('0200706844');
    expect(ledger.items[0]!.documentNumber).toBe('1930571429');
    expect(ledger.items[0]!.erpKey).toBe('2020/1930571429');
  });

  it('rejects a repeated erp key', () => {
    const text = `${header}C1,D1,2024-01-05,2024-02-04,1.00\nC2,D1,2024-01-06,2024-02-05,2.00\n`;
    const error = rowError(() => parse(text, mapping()));
    expect(error.line).toBe(3);
    expect(error.message).toMatch(/first on line 2/);
  });

  it('splits rows by company column with their currencies', () => {
    const text = 'company,customer,document,date,due,amount,currency\nUS01,C1,D1,2024-01-05,2024-02-04,1.00,USD\nKW01,C9,D1,2024-01-05,2024-02-04,1.250,KWD\n';
    const input = mapping({
      company: { column: 'company', currencies: { KW01: 'KWD' } },
      item: {
        documentNumber: 'document',
        kind: { fixed: 'invoice' },
        postingDate: 'date',
        dueDate: 'due',
        currency: { column: 'currency' },
      },
    });
    const { ledgers } = parse(text, input, context({ currency: 'USD' }));
    expect(ledgers.map((ledger) => [ledger.company.code, ledger.company.currency, ledger.items[0]!.amount])).toEqual([
      ['US01', 'USD', 100n],
      ['KW01', 'KWD', 1250n],
    ]);
    expect(() => parse(text, input, context({ company: 'MAIN' }))).toThrow(InputError);
  });

  it('keeps an existing company currency', () => {
    const text = `${header}C1,D1,2024-01-05,2024-02-04,1.00\n`;
    const { ledgers } = parse(text, mapping(), context({ existingCurrencies: new Map([['MAIN', 'EUR']]) }));
    expect(ledgers[0]!.company).toEqual({ code: 'MAIN', currency: 'EUR' });
    expect(ledgers[0]!.items[0]!.currency).toBe('EUR');
  });

  it('converts at a mapping rate or asks for one', () => {
    const text = `${header}C1,D1,2024-01-05,2024-02-04,100.00\nC1,D2,2023-12-05,2024-01-04,100.00\n`;
    const input = mapping({
      item: {
        documentNumber: 'document',
        kind: { fixed: 'invoice' },
        postingDate: 'date',
        dueDate: 'due',
        currency: { fixed: 'CAD' },
      },
      fxRates: [
        { from: 'CAD', to: 'USD', date: '2024-01-01', rate: '0.7' },
        { from: 'CAD', to: 'USD', date: '2024-01-05', rate: '0.75' },
      ],
    });
    const result = parse(text, input);
    const [recent, older] = result.ledgers[0]!.items;
    expect([recent!.amountLocal, recent!.fxRate]).toEqual([7500n, '0.75']);
    // The older item predates every mapping rate, so the database must supply one.
    expect(older!.amountLocal).toBeUndefined();
    expect(result.rateLookups).toEqual([
      { line: 3, column: 'amount', value: '100.00', from: 'CAD', to: 'USD', date: '2023-12-05' },
    ]);
  });

  it('takes local amounts from a column', () => {
    const text = 'customer,document,date,due,amount,local,currency\nC1,D1,2024-01-05,2024-02-04,100.00,70.00,CAD\nC1,D2,2024-01-05,2024-02-04,-10.00,-10.00,USD\nC1,D3,2024-01-05,2024-02-04,10.00,9.00,USD\n';
    const input = mapping({
      item: {
        documentNumber: 'document',
        kind: { bySign: { debit: 'invoice', credit: 'credit_note' } },
        postingDate: 'date',
        dueDate: 'due',
        currency: { column: 'currency' },
      },
      amount: { column: 'amount', localColumn: 'local' },
    });
    const error = rowError(() => parse(text, input));
    expect(error.line).toBe(4);
    expect(error.column).toBe('local');
    const items = parse(text.split('\n').slice(0, 3).join('\n'), input).ledgers[0]!.items;
    expect([items[0]!.amountLocal, items[0]!.fxRate]).toEqual([7000n, '0.7000000000']);
    expect(items[1]!.amountLocal).toBeUndefined();
  });

  it('rejects or skips zero amounts', () => {
    const text = `${header}C1,D1,2024-01-05,2024-02-04,0.00\nC1,D2,2024-01-05,2024-02-04,3.00\n`;
    expect(rowError(() => parse(text, mapping())).message).toMatch(/zero/);
    const skipped = parse(text, mapping({ amount: { column: 'amount', zero: 'skip' } })).ledgers[0]!;
    expect(skipped.items.map((item) => item.documentNumber)).toEqual(['D2']);
    expect(skipped.rowCount).toBe(2);
  });

  it('dates an empty due date of a credit at posting', () => {
    const text = `${header}C1,D1,2024-01-05,,-3.00\nC1,D2,2024-01-05,,3.00\n`;
    const error = rowError(() => parse(text, mapping()));
    expect(error.line).toBe(3);
    expect(error.column).toBe('due');
    const credit = parse(text.split('\n').slice(0, 2).join('\n'), mapping()).ledgers[0]!.items[0]!;
    expect(credit.dueDate).toBe('2024-01-05');
  });

  it('reads customer master columns and disputes', () => {
    const text = 'customer,name,group,country,region,collector,rep,terms,segment,document,date,due,amount,disputed\n0001,ACME Ltd ,G1,DE,EMEA,anna,bob,NT30,A,D1,2024-01-05,2024-02-04,1.00,X\n0001,Other name,G2,FR,EMEA,anna,bob,NT30,A,D2,2024-01-05,2024-02-04,1.00,\n';
    const input = mapping({
      customer: {
        number: 'customer',
        name: 'name',
        group: 'group',
        country: 'country',
        region: 'region',
        collector: 'collector',
        salesRep: 'rep',
        paymentTerms: 'terms',
        segment: 'segment',
      },
      item: {
        documentNumber: 'document',
        kind: { fixed: 'invoice' },
        postingDate: 'date',
        dueDate: 'due',
        disputed: { column: 'disputed' },
        paymentTerms: 'terms',
      },
    });
    const ledger = parse(text, input).ledgers[0]!;
    expect(ledger.customers).toEqual([
      {
        customerNumber: '0001',
        name: 'ACME Ltd',
        groupNumber: 'G1',
        country: 'DE',
        region: 'EMEA',
        collector: 'anna',
        salesRep: 'bob',
        paymentTerms: 'NT30',
        creditSegment: 'A',
      },
    ]);
    expect(ledger.items.map((item) => item.disputed)).toEqual([true, false]);
    expect(ledger.items[0]!.paymentTerms).toBe('NT30');
  });
});

describe('row errors', () => {
  it('names a bad date', () => {
    const error = rowError(() => parse(`${header}C1,D1,2024-02-30,2024-03-01,1.00\n`, mapping()));
    expect([error.file, error.line, error.column, error.value]).toEqual(['test.csv', 2, 'date', '2024-02-30']);
  });

  it('names a bad amount', () => {
    const error = rowError(() => parse(`${header}C1,D1,2024-02-01,2024-03-01,12..0\n`, mapping()));
    expect([error.file, error.line, error.column, error.value]).toEqual(['test.csv', 2, 'amount', '12..0']);
  });

  it('names a missing column', () => {
    const error = rowError(() => parse('customer,document,date,amount\nC1,D1,2024-02-01,1.00\n', mapping()));
    expect([error.file, error.line, error.column]).toEqual(['test.csv', 1, 'due']);
    expect(error.message).toMatch(/the header has: customer, document, date, amount/);
  });
});

describe('mapping validation', () => {
  it.each([
    ['an unknown key', { ...mapping(), delimiter: ';' }, /Unrecognized key/],
    ['a kind given two ways', mapping({ item: { documentNumber: 'd', kind: { fixed: 'invoice', bySign: { debit: 'invoice', credit: 'payment' } }, postingDate: 'p', dueDate: 'q' } }), /exactly one/],
    ['an indicator without its column', mapping({ amount: { column: 'a', sign: 'indicator' } }), /indicatorColumn/],
    ['debit and credit without columns', mapping({ amount: { sign: 'debitCreditColumns' } }), /debitColumn/],
    ['equal separators', mapping({ amount: { column: 'a', decimalSeparator: ',', thousandsSeparator: ',' } }), /must differ/],
    ['an unknown encoding', mapping({ file: { encoding: 'ebcdic' as 'utf-8' } }), /file\.encoding/],
    ['a bad rate', mapping({ fxRates: [{ from: 'CAD', to: 'USD', date: '2024-01-01', rate: '-1' }] }), /fxRates\.0\.rate/],
  ])('rejects %s', (_name, input, message) => {
    expect(() => validateMapping(input, 'test')).toThrow(message);
  });

  it('fills defaults', () => {
    const resolved = validateMapping(mapping(), 'test');
    expect(resolved.file).toEqual({ encoding: 'utf-8', delimiter: ',', quote: '"', skipLines: 0, header: true });
    expect(resolved.amount.sign).toBe('leadingMinus');
    expect(resolved.amount.roundToMinorUnit).toBe(false);
  });
});
