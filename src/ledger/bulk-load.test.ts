import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { benchCompanyCode, generateBenchLedger } from '../demo/bench-ledger.js';
import type { Queryable } from '../db/types.js';
import { InputError } from '../shared/errors.js';
import { bulkLoadMinimumRows } from './bulk-load.js';
import { getCompany } from './companies.js';
import { openItemsAsOfSql } from './balances.js';
import { applyImport, type ParsedLedger } from './imports.js';

/** Every index and key of the ledger tables, as PostgreSQL prints them. */
async function ledgerSchema(db: Queryable): Promise<string[]> {
  const result = await db.query<{ definition: string }>(
    `select pg_get_indexdef(indexrelid) as definition from pg_index
     where indrelid in ('open_item'::regclass, 'allocation'::regclass)
     union all
     select conname || ' ' || pg_get_constraintdef(oid) from pg_constraint
     where conrelid in ('open_item'::regclass, 'allocation'::regclass)
        or confrelid in ('open_item'::regclass, 'allocation'::regclass)
     order by 1`,
  );
  return result.rows.map((row) => row.definition);
}

/** Open amount of every item as of a date, computed from the parsed rows. */
function expectedOpenAmounts(ledger: ParsedLedger, asOf: string): Map<string, bigint> {
  const open = new Map<string, bigint>();
  for (const item of ledger.items) if (item.postingDate <= asOf) open.set(item.erpKey, item.amount);
  for (const allocation of ledger.allocations) {
    if (allocation.allocationDate > asOf) continue;
    open.set(allocation.debitErpKey, open.get(allocation.debitErpKey)! - allocation.amount);
    open.set(allocation.creditErpKey, open.get(allocation.creditErpKey)! + allocation.amount);
  }
  return open;
}

async function storedOpenAmounts(db: Queryable, asOf: string): Promise<Map<string, bigint>> {
  const company = await getCompany(db, benchCompanyCode);
  const result = await db.query<{ erp_key: string; open_amount: bigint }>(
    `select i.erp_key, o.open_amount
     from (${openItemsAsOfSql('$1', '$2')}) o
     join open_item i on i.company_id = o.company_id and i.item_id = o.item_id`,
    [company.companyId, asOf],
  );
  return new Map(result.rows.map((row) => [row.erp_key, row.open_amount]));
}

function sliceLedger(ledger: ParsedLedger, itemCount: number): ParsedLedger {
  const items = ledger.items.slice(0, itemCount);
  const keys = new Set(items.map((item) => item.erpKey));
  return {
    ...ledger,
    items,
    allocations: ledger.allocations.filter(
      (allocation) => keys.has(allocation.debitErpKey) && keys.has(allocation.creditErpKey),
    ),
  };
}

const source = { kind: 'test', file: 'bulk', sha256: 'bulk' };

describe('bulk load', () => {
  let db: TestDb;
  // Large enough that a first import into an empty ledger loads in bulk.
  const { ledger } = generateBenchLedger({ seed: 11, customers: 2_000, items: 45_000, endDate: '2026-03-31' });
  const first = sliceLedger(ledger, 8_000);

  beforeAll(async () => {
    db = await openTestDb();
  });
  afterAll(async () => {
    await db.close();
  });

  it('is large enough to take the bulk path', () => {
    expect(ledger.items.length + ledger.allocations.length).toBeGreaterThanOrEqual(bulkLoadMinimumRows);
    expect(first.items.length + first.allocations.length).toBeLessThan(bulkLoadMinimumRows);
  });

  it('rolls back whole, indexes included, when a row fails', async () => {
    const schema = await ledgerSchema(db);
    const broken: ParsedLedger = {
      ...ledger,
      allocations: [...ledger.allocations, { ...ledger.allocations[0]!, erpKey: 'TWICE', amount: 10n ** 15n }],
    };
    const stages: string[] = [];
    await expect(applyImport(db, source, [broken], (stage) => stages.push(stage))).rejects.toBeInstanceOf(
      InputError,
    );
    expect(stages).toContain('allocations');
    expect(await ledgerSchema(db)).toEqual(schema);
    const counts = await db.query<{ items: bigint }>('select count(*)::bigint as items from open_item');
    expect(counts.rows[0]!.items).toBe(0n);
  });

  it('stores a small first file row by row', async () => {
    const stages: string[] = [];
    const [result] = await applyImport(db, source, [first], (stage) => stages.push(stage));
    expect(stages).not.toContain('indexes');
    expect(result!.itemsInserted).toBe(first.items.length);
  });

  it('loads a large file in bulk, skips the stored rows and rebuilds every index', async () => {
    const schema = await ledgerSchema(db);
    expect(schema.length).toBeGreaterThanOrEqual(9);
    const stages: string[] = [];
    const [result] = await applyImport(db, source, [ledger], (stage) => stages.push(stage));
    expect(stages).toContain('indexes');
    expect(result!.itemsInserted).toBe(ledger.items.length - first.items.length);
    expect(result!.itemsSkipped).toBe(first.items.length);
    expect(result!.allocationsInserted).toBe(ledger.allocations.length - first.allocations.length);
    expect(await ledgerSchema(db)).toEqual(schema);
    for (const asOf of ['2025-01-31', '2025-09-30', '2026-03-31']) {
      expect(await storedOpenAmounts(db, asOf)).toEqual(expectedOpenAmounts(ledger, asOf));
    }
  });

  it('keeps the keys working after the rebuild', async () => {
    const [again] = await applyImport(db, source, [ledger]);
    expect(again!.itemsInserted).toBe(0);
    expect(again!.allocationsInserted).toBe(0);
    const company = await getCompany(db, benchCompanyCode);
    const item = ledger.items[0]!;
    await expect(
      db.query(
        `insert into open_item (company_id, item_id, customer_id, kind, document_number, erp_key,
           document_date, posting_date, due_date, currency, amount, amount_local, fx_rate)
         select company_id, nextval('item_id_seq'), customer_id, kind, document_number, erp_key,
           document_date, posting_date, due_date, currency, amount, amount_local, fx_rate
         from open_item where company_id = $1 and erp_key = $2`,
        [company.companyId, item.erpKey],
      ),
    ).rejects.toThrow(/unique|duplicate/i);
    const ids = await db.query<{ items: bigint; distinct_ids: bigint; max_id: bigint; next_id: bigint }>(
      `select count(*)::bigint as items, count(distinct item_id)::bigint as distinct_ids,
              max(item_id) as max_id, nextval('item_id_seq') as next_id
       from open_item`,
    );
    const row = ids.rows[0]!;
    expect(row.distinct_ids).toBe(row.items);
    expect(row.next_id > row.max_id).toBe(true);
  });
});
