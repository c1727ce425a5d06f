import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, sampleDataDir, type TestDb } from '../../test/helpers/db.js';
import { importMappedFile } from './index.js';

const dir = sampleDataDir();
const mappings = join(import.meta.dirname, '..', '..', 'examples', 'mappings');

/** Rows of a plain CSV (no quoted fields in these files) as header-keyed records. */
function readRaw(file: string): Record<string, string>[] {
  const lines = readFileSync(file, 'utf8').split('\r\n').filter((line) => line !== '');
  const names = lines[0]!.split(',');
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    expect(cells).toHaveLength(names.length);
    return Object.fromEntries(names.map((name, index) => [name, cells[index]!]));
  });
}

/** Cents of a decimal text, rounded half away from zero, without the importer's parser. */
function roundedCents(text: string): bigint {
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = (negative ? text.slice(1) : text).split('.');
  let value = BigInt(whole!) * 100n + BigInt(fraction.slice(0, 2).padEnd(2, '0'));
  if (fraction.length > 2 && fraction[2]! >= '5') value += 1n;
  return negative ? -value : value;
}

interface CompanyFigures {
  rows: number;
  total: bigint;
  currencies: Set<string>;
}

function figuresByCompany(
  raw: Record<string, string>[],
  amountColumn: string,
  currencyOf: (row: Record<string, string>) => string,
): Map<string, CompanyFigures> {
  const figures = new Map<string, CompanyFigures>();
  for (const row of raw) {
    const code = row.business_code!;
    const entry = figures.get(code) ?? { rows: 0, total: 0n, currencies: new Set<string>() };
    entry.rows += 1;
    entry.total += roundedCents(row[amountColumn]!);
    entry.currencies.add(currencyOf(row));
    figures.set(code, entry);
  }
  return figures;
}

async function storedByCompany(db: TestDb) {
  const result = await db.query<{ code: string; currency: string; items: bigint; total: string; item_currencies: string }>(
    `select c.code, c.currency, count(*) as items, sum(i.amount)::text as total,
            string_agg(distinct i.currency, ',') as item_currencies
     from open_item i join company c using (company_id)
     group by c.code, c.currency order by c.code`,
  );
  return result.rows;
}

describe.skipIf(!dir)('SAP-style open items', () => {
  let db: TestDb;

  beforeAll(async () => {
    db = await openTestDb();
  });

  afterAll(async () => {
    await db.close();
  });

  describe('data2 with sap-open-items.json', () => {
    let file: string;
    let raw: Record<string, string>[];

    beforeAll(() => {
      file = join(dir!, 'sap-style-ar-open-items', 'sagnikroy10-H2HBABBA3187__data2.csv');
      raw = readRaw(file);
    });

    it('imports per company with totals from the raw file', async () => {
      const results = await importMappedFile(db, file, { mapping: join(mappings, 'sap-open-items.json') });
      const figures = figuresByCompany(raw, 'total_open_amount', (row) => row.invoice_currency!);
      expect(results.map((result) => result.companyCode).sort()).toEqual([...figures.keys()].sort());
      for (const result of results) {
        expect(result.rows).toBe(figures.get(result.companyCode)!.rows);
        expect(result.itemsInserted).toBe(figures.get(result.companyCode)!.rows);
      }
      const stored = await storedByCompany(db);
      expect(stored).toEqual(
        [...figures.entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([code, entry]) => ({
            code,
            // Each company has items in one currency only, which becomes its local currency.
            currency: [...entry.currencies].join(','),
            items: BigInt(entry.rows),
            total: entry.total.toString(),
            item_currencies: [...entry.currencies].join(','),
          })),
      );
    });

    it('keeps customer numbers as text and reads float ids', async () => {
      const stored = await db.query<{ erp_key: string; document_number: string; customer_number: string; code: string }>(
        `select i.erp_key, i.document_number, cu.customer_number, c.code
         from open_item i join customer cu using (company_id, customer_id)
         join company c on c.company_id = i.company_id`,
      );
      const byKey = new Map(stored.rows.map((row) => [row.erp_key, row]));
      let leadingZeros = 0;
      for (const row of raw) {
        const documentNumber = row.doc_id!.replace(/\.0$/, '');
        const key = `${row.business_year!.replace(/\.0$/, '')}/${documentNumber}`;
        const match = byKey.get(key);
        expect(match?.document_number).toBe(documentNumber);
        expect(match?.customer_number).toBe(row.cust_number);
        expect(match?.code).toBe(row.business_code);
        if (row.cust_number!.startsWith('0')) leadingZeros += 1;
      }
      expect(leadingZeros).toBeGreaterThan(0);
      expect(stored.rows.some((row) => row.document_number.includes('.'))).toBe(false);
    });

    it('changes nothing on a second import', async () => {
      const before = await storedByCompany(db);
      const results = await importMappedFile(db, file, { mapping: join(mappings, 'sap-open-items.json') });
      for (const result of results) {
        expect(result.itemsInserted).toBe(0);
        expect(result.itemsSkipped).toBe(result.rows);
      }
      expect(await storedByCompany(db)).toEqual(before);
    });
  });

  describe('nulldata with sap-open-items-usd.json', () => {
    let usdDb: TestDb;

    beforeAll(async () => {
      usdDb = await openTestDb();
    });

    afterAll(async () => {
      await usdDb.close();
    });

    it('rounds converted amounts per company', async () => {
      const file = join(dir!, 'sap-style-ar-open-items', 'hrc2022-flask-template__nulldata.csv');
      const raw = readRaw(file);
      expect(raw.some((row) => /\.\d{3,}$/.test(row.converted_usd!))).toBe(true);
      await importMappedFile(usdDb, file, { mapping: join(mappings, 'sap-open-items-usd.json') });
      const figures = figuresByCompany(raw, 'converted_usd', () => 'USD');
      const stored = await storedByCompany(usdDb);
      expect(stored).toEqual(
        [...figures.entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([code, entry]) => ({
            code,
            currency: 'USD',
            items: BigInt(entry.rows),
            total: entry.total.toString(),
            item_currencies: 'USD',
          })),
      );
    });

    it('rejects CAD books without a USD rate', async () => {
      const file = join(dir!, 'sap-style-ar-open-items', 'hrc2022-flask-template__nulldata.csv');
      // The data2 import above created CA02 in CAD, and this file has CA02 items in USD.
      await expect(
        importMappedFile(db, file, { mapping: join(mappings, 'sap-open-items-usd.json') }),
      ).rejects.toThrow(/no USD\/CAD rate on or before/);
    });
  });
});
