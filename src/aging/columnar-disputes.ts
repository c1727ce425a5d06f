/**
 * The disputed part of open items for the columnar engine, with the rules
 * of the SQL engine (`disputedAmountSql` in sql.ts). An item flagged
 * disputed, or disputed for at least its open amount, counts in full. A
 * partial dispute counts in proportion to the open amount, rounded half
 * away from zero. Credits and closed items count nothing.
 */
import type { Queryable } from '../db/types.js';
import { disputesAsOfSql } from './sql.js';

/** The columns of a company's ledger that the disputed amounts read. */
export interface DisputeColumns {
  companyId: number;
  itemCount: number;
  itemIds: Float64Array;
  itemPostingDay: Int32Array;
  itemAmount: Float64Array;
  /** 1 for an item flagged disputed in the ledger (open_item.disputed). */
  itemDisputed: Uint8Array;
}

/** Item positions with their disputed amount in the report's currency mode; no zero amounts. */
export interface DisputedItems {
  items: number[];
  amounts: number[];
}

/** Index of `id` in the first `count` entries of a sorted array, or -1. */
function findSorted(ids: Float64Array, count: number, id: number): number {
  let low = 0;
  let high = count - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const value = ids[middle]!;
    if (value === id) return middle;
    if (value < id) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/** Reads the amounts of the disputes open on `asOf`, by item position, in item currency. */
async function openDisputes(db: Queryable, ledger: DisputeColumns, asOf: string): Promise<Map<number, bigint>> {
  if (!Number.isSafeInteger(ledger.companyId)) throw new RangeError(`${ledger.companyId} is not a whole number`);
  const result = await db.query<{ item_id: string; amount: string }>(
    `select item_id::text, amount::text from (${disputesAsOfSql(String(ledger.companyId), '$1::date')}) x`,
    [asOf],
  );
  const byItem = new Map<number, bigint>();
  for (const row of result.rows) {
    // An item committed after the arrays were read is not in this report either.
    const item = findSorted(ledger.itemIds, ledger.itemCount, Number(row.item_id));
    if (item >= 0) byItem.set(item, BigInt(row.amount));
  }
  return byItem;
}

/** Returns the local share of a partial dispute: disputed × open local ÷ open, rounded half away from zero. */
function proportionalShare(disputed: bigint, openLocal: bigint, open: bigint): bigint {
  const magnitude = (2n * disputed * (openLocal < 0n ? -openLocal : openLocal) + open) / (2n * open);
  return openLocal < 0n ? -magnitude : magnitude;
}

/**
 * Returns the disputed amount of every open debit item with one as of a
 * day. `open` contains the open amounts in the report's mode. With local
 * amounts a partial dispute also needs the transaction open amounts,
 * which `openTransaction` computes only when one is found.
 */
export async function disputedItems(
  db: Queryable,
  ledger: DisputeColumns,
  asOf: string,
  asOfDay: number,
  local: boolean,
  open: Float64Array,
  openTransaction: () => Float64Array,
): Promise<DisputedItems> {
  const disputes = await openDisputes(db, ledger, asOf);
  const candidates = new Set(disputes.keys());
  for (let item = 0; item < ledger.itemCount; item++) {
    if (ledger.itemDisputed[item] === 1) candidates.add(item);
  }
  const result: DisputedItems = { items: [], amounts: [] };
  let transaction: Float64Array | null = local ? null : open;
  for (const item of candidates) {
    if (ledger.itemPostingDay[item]! > asOfDay || ledger.itemAmount[item]! <= 0) continue;
    transaction ??= openTransaction();
    const openAmount = BigInt(transaction[item]!);
    if (openAmount <= 0n) continue;
    const openInMode = BigInt(open[item]!);
    const disputed = disputes.get(item) ?? 0n;
    let amount: bigint;
    if (ledger.itemDisputed[item] === 1 || disputed >= openAmount) amount = openInMode;
    else if (!local) amount = disputed;
    else amount = proportionalShare(disputed, openInMode, openAmount);
    if (amount === 0n) continue;
    result.items.push(item);
    result.amounts.push(Number(amount));
  }
  return result;
}
