import type { Queryable } from '../db/types.js';
import { copyField } from '../db/copy.js';
import { divideRounded } from '../shared/money.js';
import { InputError, NotFoundError } from '../shared/errors.js';
import type { IsoDate } from '../shared/dates.js';
import type { AllocationInput } from './types.js';

/** An item as the allocation checks see it. */
export interface ItemState {
  itemId: bigint;
  erpKey: string;
  currency: string;
  postingDate: IsoDate;
  amount: bigint;
  amountLocal: bigint;
  /** Allocated so far, in the item's own currency, all dates. */
  allocated: bigint;
  allocatedLocal: bigint;
}

async function loadItemStates(
  db: Queryable,
  companyId: number,
  erpKeys: readonly string[],
): Promise<Map<string, ItemState>> {
  const result = await db.query<{
    item_id: bigint;
    erp_key: string;
    currency: string;
    posting_date: string;
    amount: bigint;
    amount_local: bigint;
    allocated: bigint;
    allocated_local: bigint;
  }>(
    // Set-based rather than a lateral lookup per item, so that it stays
    // linear while a bulk load has the allocation indexes dropped.
    `with wanted as (
       select item_id, erp_key, currency, posting_date, amount, amount_local
       from open_item where company_id = $1 and erp_key = any($2::text[])),
     used as (
       select a.debit_item_id as item_id, a.amount as allocated, a.amount_local as allocated_local
       from allocation a
       where a.company_id = $1 and a.debit_item_id in (select item_id from wanted)
       union all
       select a.credit_item_id, a.credit_amount, a.credit_amount_local
       from allocation a
       where a.company_id = $1 and a.credit_item_id in (select item_id from wanted)),
     totals as (
       select item_id, sum(allocated) as allocated, sum(allocated_local) as allocated_local
       from used group by item_id)
     select w.item_id, w.erp_key, w.currency, w.posting_date, w.amount, w.amount_local,
            coalesce(t.allocated, 0)::bigint as allocated,
            coalesce(t.allocated_local, 0)::bigint as allocated_local
     from wanted w left join totals t on t.item_id = w.item_id`,
    [companyId, [...new Set(erpKeys)]],
  );
  return new Map(
    result.rows.map((row) => [
      row.erp_key,
      {
        itemId: row.item_id,
        erpKey: row.erp_key,
        currency: row.currency,
        postingDate: row.posting_date,
        amount: row.amount,
        amountLocal: row.amount_local,
        allocated: row.allocated,
        allocatedLocal: row.allocated_local,
      },
    ]),
  );
}

/**
 * Local share of an allocation of `amount` against `item`: proportional to
 * the item's local amount, except that the allocation which clears the
 * item takes the whole local remainder, so a paid item ends at zero in
 * both currencies.
 */
function localShare(item: ItemState, amount: bigint): bigint {
  const magnitude = item.amount < 0n ? -item.amount : item.amount;
  const localMagnitude = item.amountLocal < 0n ? -item.amountLocal : item.amountLocal;
  if (item.allocated + amount === magnitude) {
    return localMagnitude - item.allocatedLocal;
  }
  return divideRounded(amount * localMagnitude, magnitude);
}

export interface PreparedAllocation {
  erpKey: string | null;
  creditItemId: bigint;
  debitItemId: bigint;
  allocationDate: IsoDate;
  amount: bigint;
  creditAmount: bigint;
  amountLocal: bigint;
  creditAmountLocal: bigint;
}

/**
 * Checks allocations against the items they join and computes their
 * local shares. An allocation must join a debit item to a credit item of
 * the same currency, be dated on or after both posting dates, and never
 * take either item past zero.
 */
function prepareAllocation(
  input: AllocationInput,
  credit: ItemState,
  debit: ItemState,
): PreparedAllocation {
  const label = `allocation ${input.creditErpKey} -> ${input.debitErpKey}`;
  if (input.amount <= 0n) {
    throw new InputError(`${label}: amount must be positive`, 'invalid_allocation', 'amount');
  }
  if (debit.amount <= 0n || credit.amount >= 0n) {
    throw new InputError(
      `${label}: must join a credit item to a debit item`,
      'invalid_allocation',
      'item',
    );
  }
  if (credit.currency !== debit.currency) {
    throw new InputError(
      `${label}: items are in ${credit.currency} and ${debit.currency}; cross-currency allocation is not supported`,
      'invalid_allocation',
      'currency',
    );
  }
  if (input.allocationDate < credit.postingDate || input.allocationDate < debit.postingDate) {
    throw new InputError(
      `${label}: dated ${input.allocationDate}, before an item was posted`,
      'invalid_allocation',
      'allocationDate',
    );
  }
  if (debit.allocated + input.amount > debit.amount) {
    throw new InputError(
      `${label}: ${input.amount} would take debit item ${debit.erpKey} past zero (open ${debit.amount - debit.allocated})`,
      'overallocation',
      'amount',
    );
  }
  if (credit.allocated + input.amount > -credit.amount) {
    throw new InputError(
      `${label}: ${input.amount} would take credit item ${credit.erpKey} past zero (open ${-credit.amount - credit.allocated})`,
      'overallocation',
      'amount',
    );
  }
  const amountLocal = localShare(debit, input.amount);
  const creditAmountLocal = localShare(credit, input.amount);
  debit.allocated += input.amount;
  debit.allocatedLocal += amountLocal;
  credit.allocated += input.amount;
  credit.allocatedLocal += creditAmountLocal;
  return {
    erpKey: input.erpKey ?? null,
    creditItemId: credit.itemId,
    debitItemId: debit.itemId,
    allocationDate: input.allocationDate,
    amount: input.amount,
    creditAmount: input.amount,
    amountLocal,
    creditAmountLocal,
  };
}

/**
 * Inserts allocations between items named by source key. Allocations whose
 * own key is already stored are skipped (repeat imports). Over-allocation
 * raises, so the caller's transaction rolls back whole.
 */
export async function insertAllocations(
  db: Queryable,
  companyId: number,
  allocations: readonly AllocationInput[],
  importId: bigint | null,
  knownStates: ReadonlyMap<string, ItemState> = new Map(),
  options: { bulk?: boolean } = {},
): Promise<{ inserted: number; skipped: number }> {
  if (allocations.length === 0) return { inserted: 0, skipped: 0 };
  const keyed = allocations.filter((allocation) => allocation.erpKey);
  const existing = new Set<string>();
  if (keyed.length > 0) {
    // A bulk load reads every stored key once: it has no index to look
    // keys up by, and stores at least as many rows as it finds.
    const result = options.bulk
      ? await db.query<{ erp_key: string }>(
          `select erp_key from allocation where company_id = $1 and erp_key is not null`,
          [companyId],
        )
      : await db.query<{ erp_key: string }>(
          `select erp_key from allocation where company_id = $1 and erp_key = any($2::text[])`,
          [companyId, keyed.map((allocation) => allocation.erpKey as string)],
        );
    for (const row of result.rows) existing.add(row.erp_key);
  }
  const fresh = allocations.filter(
    (allocation) => !allocation.erpKey || !existing.has(allocation.erpKey),
  );
  const freshKeys = new Set<string>();
  for (const allocation of fresh) {
    if (!allocation.erpKey) continue;
    if (freshKeys.has(allocation.erpKey)) {
      throw new InputError(
        `allocation key ${allocation.erpKey} appears twice (${allocation.creditErpKey} -> ${allocation.debitErpKey})`,
        'duplicate_allocation',
        'allocation',
      );
    }
    freshKeys.add(allocation.erpKey);
  }
  const unknownKeys: string[] = [];
  for (const allocation of fresh) {
    if (!knownStates.has(allocation.creditErpKey)) unknownKeys.push(allocation.creditErpKey);
    if (!knownStates.has(allocation.debitErpKey)) unknownKeys.push(allocation.debitErpKey);
  }
  const loaded = unknownKeys.length > 0 ? await loadItemStates(db, companyId, unknownKeys) : new Map<string, ItemState>();
  // The known states are not copied: a first import can hold a million.
  const stateOf = (key: string) => knownStates.get(key) ?? loaded.get(key);
  const prepared = fresh.map((allocation) => {
    const credit = stateOf(allocation.creditErpKey);
    const debit = stateOf(allocation.debitErpKey);
    if (!credit || !debit) {
      throw new NotFoundError(
        `allocation ${allocation.creditErpKey} -> ${allocation.debitErpKey}: item ${credit ? allocation.debitErpKey : allocation.creditErpKey} not found`,
        'item',
      );
    }
    return prepareAllocation(allocation, credit, debit);
  });
  if (options.bulk) {
    await copyAllocations(db, companyId, prepared, importId);
  } else {
    await writeAllocations(db, companyId, prepared, importId);
    await checkPeaksAfterWrite(db, companyId, prepared);
  }
  return { inserted: prepared.length, skipped: allocations.length - prepared.length };
}

/**
 * Rejects a batch that takes an item past zero on some day, which the
 * all-dates totals above cannot see: an allocation dated before a later
 * reversal counts twice until the reversal date. Only items that have a
 * reversal are read, so batches on a ledger without reversals cost one
 * indexed lookup. A bulk load skips this: it writes into an empty ledger,
 * where no reversal exists yet.
 */
async function checkPeaksAfterWrite(db: Queryable, companyId: number, prepared: readonly PreparedAllocation[]): Promise<void> {
  if (prepared.length === 0) return;
  const itemIds = [...new Set(prepared.flatMap((row) => [row.debitItemId.toString(), row.creditItemId.toString()]))];
  const result = await db.query<{ erp_key: string; allocation_date: string }>(
    `with touched as (
       select distinct i.item_id, i.amount, i.erp_key from open_item i
       where i.company_id = $1 and i.item_id = any($2::bigint[])
         and exists (select 1 from allocation r
                     where r.company_id = $1 and r.amount < 0
                       and (r.debit_item_id = i.item_id or r.credit_item_id = i.item_id))),
     per_day as (
       select t.item_id, a.allocation_date,
              sum(case when t.amount > 0 then a.amount else a.credit_amount end) as total
       from touched t
       join allocation a on a.company_id = $1
         and (case when t.amount > 0 then a.debit_item_id else a.credit_item_id end) = t.item_id
       group by t.item_id, a.allocation_date),
     running as (
       select item_id, allocation_date,
              sum(total) over (partition by item_id order by allocation_date) as cumulative
       from per_day)
     select t.erp_key, r.allocation_date from running r join touched t using (item_id)
     where r.cumulative > abs(t.amount)
     order by r.allocation_date limit 1`,
    [companyId, itemIds],
  );
  const row = result.rows[0];
  if (row) {
    throw new InputError(
      `allocations would take item ${row.erp_key} past zero on ${row.allocation_date}, before a later reversal reopens it`,
      'overallocation',
      'amount',
    );
  }
}

const allocationColumns = [
  'company_id', 'allocation_id', 'credit_item_id', 'debit_item_id', 'allocation_date',
  'amount', 'credit_amount', 'amount_local', 'credit_amount_local', 'erp_key', 'import_id',
] as const;

/**
 * Writes allocations on the bulk path: ids come from one reservation on
 * the sequence, which is safe because the caller has an exclusive lock on
 * the ledger tables, and rows go in by COPY.
 */
async function copyAllocations(
  db: Queryable,
  companyId: number,
  prepared: readonly PreparedAllocation[],
  importId: bigint | null,
): Promise<void> {
  if (prepared.length === 0) return;
  const reserved = await db.query<{ last: bigint }>(
    `select setval('allocation_id_seq', nextval('allocation_id_seq') + $1 - 1) as last`,
    [prepared.length],
  );
  const firstId = reserved.rows[0]!.last - BigInt(prepared.length) + 1n;
  const company = String(companyId);
  const importText = copyField(importId === null ? null : importId.toString());
  const rowsPerCopy = 50_000;
  for (let start = 0; start < prepared.length; start += rowsPerCopy) {
    const lines = prepared
      .slice(start, start + rowsPerCopy)
      .map(
        (row, offset) =>
          `${company}\t${firstId + BigInt(start + offset)}\t${row.creditItemId}\t${row.debitItemId}\t${row.allocationDate}\t${row.amount}\t${row.creditAmount}\t${row.amountLocal}\t${row.creditAmountLocal}\t${copyField(row.erpKey)}\t${importText}`,
      );
    await db.copyRows('allocation', allocationColumns, lines);
  }
}

async function writeAllocations(
  db: Queryable,
  companyId: number,
  prepared: readonly PreparedAllocation[],
  importId: bigint | null,
): Promise<void> {
  const batchSize = 10_000;
  for (let start = 0; start < prepared.length; start += batchSize) {
    const batch = prepared.slice(start, start + batchSize);
    await db.query(
      `insert into allocation (company_id, allocation_id, credit_item_id,
         debit_item_id, allocation_date, amount, credit_amount, amount_local,
         credit_amount_local, erp_key, import_id)
       select $1, nextval('allocation_id_seq'), t.*, $10::bigint
       from unnest($2::bigint[], $3::bigint[], $4::date[], $5::bigint[],
                   $6::bigint[], $7::bigint[], $8::bigint[], $9::text[]) as t`,
      [
        companyId,
        batch.map((row) => row.creditItemId.toString()),
        batch.map((row) => row.debitItemId.toString()),
        batch.map((row) => row.allocationDate),
        batch.map((row) => row.amount.toString()),
        batch.map((row) => row.creditAmount.toString()),
        batch.map((row) => row.amountLocal.toString()),
        batch.map((row) => row.creditAmountLocal.toString()),
        batch.map((row) => row.erpKey),
        importId,
      ],
    );
  }
}

/**
 * Allocates `amount` of a credit item to a debit item on a date. Runs its
 * checks and the insert on the caller's connection; call it inside a
 * transaction when other writes must go with it.
 */
export async function allocate(
  db: Queryable,
  companyId: number,
  input: AllocationInput,
): Promise<bigint> {
  const states = await loadItemStates(db, companyId, [input.creditErpKey, input.debitErpKey]);
  const credit = states.get(input.creditErpKey);
  const debit = states.get(input.debitErpKey);
  if (!credit || !debit) {
    throw new NotFoundError(
      `item ${credit ? input.debitErpKey : input.creditErpKey} not found`,
      'item',
    );
  }
  const prepared = prepareAllocation(input, credit, debit);
  await checkPeakAllocated(db, companyId, debit, input.allocationDate, input.amount);
  await checkPeakAllocated(db, companyId, credit, input.allocationDate, input.amount);
  const result = await db.query<{ allocation_id: bigint }>(
    `insert into allocation (company_id, allocation_id, credit_item_id,
       debit_item_id, allocation_date, amount, credit_amount, amount_local,
       credit_amount_local, erp_key)
     values ($1, nextval('allocation_id_seq'), $2, $3, $4, $5, $6, $7, $8, $9)
     returning allocation_id`,
    [
      companyId,
      prepared.creditItemId,
      prepared.debitItemId,
      prepared.allocationDate,
      prepared.amount,
      prepared.creditAmount,
      prepared.amountLocal,
      prepared.creditAmountLocal,
      prepared.erpKey,
    ],
  );
  return result.rows[0]!.allocation_id;
}

/**
 * Rejects an allocation dated `date` that would overdraw `item` on some
 * later day. The net total can be within the amount while an earlier day is
 * not: an allocation dated before another one's reversal counts twice
 * until the reversal date.
 */
async function checkPeakAllocated(
  db: Queryable,
  companyId: number,
  item: ItemState,
  date: IsoDate,
  amount: bigint,
): Promise<void> {
  const side = item.amount > 0n ? 'debit_item_id' : 'credit_item_id';
  const column = item.amount > 0n ? 'amount' : 'credit_amount';
  const result = await db.query<{ peak: bigint }>(
    `with per_day as (
       select allocation_date, sum(${column}) as total from allocation
       where company_id = $1 and ${side} = $2 group by allocation_date),
     running as (
       select allocation_date, sum(total) over (order by allocation_date) as cumulative
       from per_day)
     select greatest(
       coalesce((select cumulative from running where allocation_date <= $3
                 order by allocation_date desc limit 1), 0),
       coalesce((select max(cumulative) from running where allocation_date > $3), 0)
     )::bigint as peak`,
    [companyId, item.itemId, date],
  );
  const peak = result.rows[0]?.peak ?? 0n;
  const magnitude = item.amount < 0n ? -item.amount : item.amount;
  if (peak + amount > magnitude) {
    throw new InputError(
      `allocation of ${amount} on ${date} would take item ${item.erpKey} past zero on a later day`,
      'overallocation',
      'amount',
    );
  }
}

/**
 * Reverses an allocation with a new, negated allocation dated `date`, so
 * both items reopen from that date while every earlier as-of balance stays
 * as it was. An allocation is reversed at most once.
 */
export async function reverseAllocation(
  db: Queryable,
  companyId: number,
  allocationId: bigint,
  date: IsoDate,
  reason: string,
): Promise<bigint> {
  const original = await db.query<{
    allocation_date: string;
    amount: bigint;
    reverses_allocation_id: bigint | null;
  }>(
    `select allocation_date, amount, reverses_allocation_id from allocation
     where company_id = $1 and allocation_id = $2`,
    [companyId, allocationId],
  );
  const row = original.rows[0];
  if (!row) throw new NotFoundError(`allocation ${allocationId} not found`, 'allocation');
  if (row.reverses_allocation_id !== null || row.amount < 0n) {
    throw new InputError(`allocation ${allocationId} is itself a reversal`, 'invalid_reversal', 'allocation');
  }
  if (date < row.allocation_date) {
    throw new InputError(
      `reversal date ${date} is before the allocation date ${row.allocation_date}`,
      'invalid_reversal',
      'date',
    );
  }
  const result = await db.query<{ allocation_id: bigint }>(
    `insert into allocation (company_id, allocation_id, credit_item_id,
       debit_item_id, allocation_date, amount, credit_amount, amount_local,
       credit_amount_local, reverses_allocation_id, reason)
     select company_id, nextval('allocation_id_seq'), credit_item_id,
       debit_item_id, $3, -amount, -credit_amount, -amount_local,
       -credit_amount_local, allocation_id, $4
     from allocation where company_id = $1 and allocation_id = $2
     returning allocation_id`,
    [companyId, allocationId, date, reason],
  ).catch((error: unknown) => {
    if (String(error).includes('allocation_reversal_once')) {
      throw new InputError(`allocation ${allocationId} is already reversed`, 'invalid_reversal', 'allocation');
    }
    throw error;
  });
  return result.rows[0]!.allocation_id;
}
