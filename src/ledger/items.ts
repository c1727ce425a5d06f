import type { Queryable } from '../db/types.js';
import { copyField } from '../db/copy.js';
import { convertAmount, fitsMinorUnits, maxMinorUnits } from '../shared/money.js';
import { InputError } from '../shared/errors.js';
import { findFxRate, loadCurrencyExponents } from './currencies.js';
import type { Company, OpenItemInput } from './types.js';
import type { ItemState } from './allocations.js';

const batchSize = 10_000;
/** Rows per COPY statement of a bulk load. */
const copyBatchSize = 50_000;

const itemColumns = [
  'company_id', 'item_id', 'customer_id', 'kind', 'document_number', 'erp_key',
  'instalment', 'document_date', 'posting_date', 'due_date', 'currency', 'amount',
  'amount_local', 'fx_rate', 'disputed', 'payment_terms', 'reference', 'import_id',
  'source_line',
] as const;

export interface InsertItemsResult {
  inserted: number;
  skipped: number;
  /**
   * State of every item this call inserted, by source key, so that the
   * allocations of the same import need not read them back.
   */
  insertedStates: Map<string, ItemState>;
}

/**
 * Computes the local amount of each item: given, equal to the amount in
 * the company currency, or converted at the rate dated on or before the
 * posting date, rounded half away from zero.
 */
async function localAmounts(
  db: Queryable,
  company: Company,
  items: readonly OpenItemInput[],
): Promise<{ amountLocal: bigint; fxRate: string }[]> {
  const exponents = await loadCurrencyExponents(db);
  const rateCache = new Map<string, string | null>();
  const results: { amountLocal: bigint; fxRate: string }[] = [];
  for (const item of items) {
    if (!exponents.has(item.currency)) {
      const where = item.sourceLine == null ? '' : ` (line ${item.sourceLine})`;
      throw new InputError(
        `unknown currency "${item.currency}" on item ${item.erpKey}${where}: use an ISO 4217 code`,
        'invalid_currency',
        'currency',
      );
    }
    if (item.currency === company.currency) {
      results.push({ amountLocal: item.amountLocal ?? item.amount, fxRate: '1' });
      continue;
    }
    if (item.amountLocal !== undefined) {
      results.push({ amountLocal: item.amountLocal, fxRate: item.fxRate ?? '0' });
      continue;
    }
    const cacheKey = `${item.currency}:${item.postingDate}`;
    let rate = item.fxRate ?? rateCache.get(cacheKey);
    if (rate === undefined) {
      rate = await findFxRate(db, item.currency, company.currency, item.postingDate);
      rateCache.set(cacheKey, rate);
    }
    if (rate === null) {
      throw new InputError(
        `no ${item.currency}/${company.currency} rate on or before ${item.postingDate} for item ${item.erpKey}`,
        'missing_fx_rate',
        'currency',
      );
    }
    // Checked at the top of the loop.
    const fromExponent = exponents.get(item.currency)!;
    const amountLocal = convertAmount(item.amount, rate, fromExponent, company.currencyExponent);
    if (!fitsMinorUnits(amountLocal)) {
      throw new InputError(
        `item ${item.erpKey}: the amount converted to ${company.currency} at ${rate} is too large: at most ${maxMinorUnits} minor units`,
        'amount_out_of_range',
        'amount',
      );
    }
    results.push({ amountLocal, fxRate: rate });
  }
  return results;
}

export interface InsertItemsOptions {
  /**
   * The caller has dropped the ledger's indexes (see bulk-load.ts) and
   * holds an exclusive lock: skip stored keys by reading them once and
   * insert with ids reserved in one step.
   */
  bulk?: boolean;
}

/**
 * Inserts open items in batches. An item whose source key the company
 * already contains is skipped, which makes a repeated import change nothing.
 * The caller runs this inside its import transaction.
 */
export async function insertItems(
  db: Queryable,
  company: Company,
  customerIds: ReadonlyMap<string, bigint>,
  items: readonly OpenItemInput[],
  importId: bigint | null,
  onBatch: (done: number) => void = () => {},
  options: InsertItemsOptions = {},
): Promise<InsertItemsResult> {
  if (options.bulk) return insertItemsInBulk(db, company, customerIds, items, importId, onBatch);
  const locals = await localAmounts(db, company, items);
  let inserted = 0;
  const insertedStates = new Map<string, ItemState>();
  for (let start = 0; start < items.length; start += batchSize) {
    const batch = items.slice(start, start + batchSize);
    const batchLocals = locals.slice(start, start + batchSize);
    const customer = batch.map((item) => customerIdOf(customerIds, item));
    const inserts = await db.query<{ item_id: bigint; erp_key: string }>(
      `insert into open_item (company_id, item_id, customer_id, kind,
         document_number, erp_key, instalment, document_date, posting_date,
         due_date, currency, amount, amount_local, fx_rate, disputed,
         payment_terms, reference, import_id, source_line)
       select $1, nextval('item_id_seq'), customer_id, kind, document_number,
         erp_key, instalment, document_date, posting_date, due_date, currency,
         amount, amount_local, fx_rate, disputed, payment_terms, reference,
         $17::bigint, source_line
       from unnest($2::bigint[], $3::text[], $4::text[], $5::text[],
                   $6::smallint[], $7::date[], $8::date[], $9::date[],
                   $10::text[], $11::bigint[], $12::bigint[], $13::numeric[],
                   $14::boolean[], $15::text[], $16::text[], $18::integer[])
         as t(customer_id, kind, document_number, erp_key, instalment,
              document_date, posting_date, due_date, currency, amount,
              amount_local, fx_rate, disputed, payment_terms, reference,
              source_line)
       on conflict (company_id, erp_key) do nothing
       returning item_id, erp_key`,
      [
        company.companyId,
        customer,
        batch.map((item) => item.kind),
        batch.map((item) => item.documentNumber),
        batch.map((item) => item.erpKey),
        batch.map((item) => String(item.instalment ?? 1)),
        batch.map((item) => item.documentDate),
        batch.map((item) => item.postingDate),
        batch.map((item) => item.dueDate),
        batch.map((item) => item.currency),
        batch.map((item) => item.amount.toString()),
        batchLocals.map((local) => local.amountLocal.toString()),
        batchLocals.map((local) => local.fxRate),
        batch.map((item) => item.disputed ?? false),
        batch.map((item) => item.paymentTerms ?? null),
        batch.map((item) => item.reference ?? null),
        importId,
        batch.map((item) => (item.sourceLine == null ? null : String(item.sourceLine))),
      ],
    );
    inserted += inserts.rows.length;
    const indexByKey = new Map(batch.map((item, index) => [item.erpKey, index]));
    for (const row of inserts.rows) {
      const index = indexByKey.get(row.erp_key)!;
      const item = batch[index]!;
      insertedStates.set(row.erp_key, {
        itemId: row.item_id,
        erpKey: row.erp_key,
        currency: item.currency,
        postingDate: item.postingDate,
        amount: item.amount,
        amountLocal: batchLocals[index]!.amountLocal,
        allocated: 0n,
        allocatedLocal: 0n,
      });
    }
    onBatch(Math.min(start + batchSize, items.length));
  }
  return { inserted, skipped: items.length - inserted, insertedStates };
}

function customerIdOf(customerIds: ReadonlyMap<string, bigint>, item: OpenItemInput): string {
  const id = customerIds.get(item.customerNumber);
  if (id === undefined) {
    throw new Error(`customer ${item.customerNumber} was not created before its items`);
  }
  return id.toString();
}

/**
 * Inserts items on the bulk path of insertItems. Stored source keys are
 * read once and the first item of each new key is kept. Ids come from one
 * reservation on the sequence, and rows go in by COPY without a conflict
 * check, because no unique index is there to check against.
 */
async function insertItemsInBulk(
  db: Queryable,
  company: Company,
  customerIds: ReadonlyMap<string, bigint>,
  items: readonly OpenItemInput[],
  importId: bigint | null,
  onBatch: (done: number) => void,
): Promise<InsertItemsResult> {
  const locals = await localAmounts(db, company, items);
  const stored = await db.query<{ erp_key: string }>(
    'select erp_key from open_item where company_id = $1',
    [company.companyId],
  );
  const seen = new Set(stored.rows.map((row) => row.erp_key));
  const fresh: number[] = [];
  items.forEach((item, index) => {
    if (seen.has(item.erpKey)) return;
    seen.add(item.erpKey);
    fresh.push(index);
  });
  const insertedStates = new Map<string, ItemState>();
  if (fresh.length === 0) return { inserted: 0, skipped: items.length, insertedStates };
  // The caller's exclusive lock on open_item keeps other writers from
  // drawing ids inside the reserved range.
  const reserved = await db.query<{ last: bigint }>(
    `select setval('item_id_seq', nextval('item_id_seq') + $1 - 1) as last`,
    [fresh.length],
  );
  const firstId = reserved.rows[0]!.last - BigInt(fresh.length) + 1n;
  const companyId = String(company.companyId);
  const importText = copyField(importId === null ? null : importId.toString());
  for (let start = 0; start < fresh.length; start += copyBatchSize) {
    const batch = fresh.slice(start, start + copyBatchSize);
    const lines = batch.map((index, offset) => {
      const item = items[index]!;
      const local = locals[index]!;
      const itemId = firstId + BigInt(start + offset);
      insertedStates.set(item.erpKey, {
        itemId,
        erpKey: item.erpKey,
        currency: item.currency,
        postingDate: item.postingDate,
        amount: item.amount,
        amountLocal: local.amountLocal,
        allocated: 0n,
        allocatedLocal: 0n,
      });
      // Ids, amounts, dates, kinds and currency codes were checked before
      // and cannot hold a tab or a backslash; only free text is escaped.
      return `${companyId}\t${itemId}\t${customerIdOf(customerIds, item)}\t${item.kind}\t${copyField(item.documentNumber)}\t${copyField(item.erpKey)}\t${item.instalment ?? 1}\t${item.documentDate}\t${item.postingDate}\t${item.dueDate}\t${copyField(item.currency)}\t${item.amount}\t${local.amountLocal}\t${local.fxRate}\t${item.disputed ? 't' : 'f'}\t${copyField(item.paymentTerms)}\t${copyField(item.reference)}\t${importText}\t${item.sourceLine ?? '\\N'}`;
    });
    await db.copyRows('open_item', itemColumns, lines);
    onBatch(Math.min(batch.at(-1)! + 1, items.length));
  }
  return { inserted: fresh.length, skipped: items.length - fresh.length, insertedStates };
}
