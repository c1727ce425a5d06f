/**
 * The floor for the benchmark: aging as a plain loop over typed arrays
 * in this process, with amounts as Float64Array cents (exact while every
 * sum stays below 2^53 cents). Same rules as the SQL: open amount as of a
 * date, debit items bucketed by days past due, credit items unapplied.
 */
import type { BenchColumns } from '../src/demo/bench-ledger.js';

export interface TypedAging {
  /** Group count by (bucket count + 2) amounts, row-major, in cents. */
  amounts: Float64Array;
  columnCount: number;
  itemCounts: Int32Array;
}

/** Scratch buffer for open amounts, reused between runs. */
let openBuffer = new Float64Array(0);

/**
 * Ages every item as of `asOfDay` (days since 1970-01-01) into groups:
 * by customer when `groupOf` is undefined, else by `groupOf[customer]`.
 */
export function ageTyped(
  columns: BenchColumns,
  asOfDay: number,
  limits: readonly number[],
  groupOf?: Uint8Array,
  groupCount?: number,
): TypedAging {
  const itemCount = columns.itemAmountCents.length;
  if (openBuffer.length !== itemCount) openBuffer = new Float64Array(itemCount);
  const open = openBuffer;
  open.set(columns.itemAmountCents);
  const allocationCount = columns.allocationDay.length;
  for (let index = 0; index < allocationCount; index++) {
    if (columns.allocationDay[index]! > asOfDay) continue;
    const cents = columns.allocationAmountCents[index]!;
    open[columns.allocationDebit[index]!]! -= cents;
    open[columns.allocationCredit[index]!]! += cents;
  }
  const columnCount = limits.length + 2;
  const unappliedColumn = columnCount - 1;
  const groups = groupOf ? groupCount ?? 0 : columns.customerRegion.length;
  const amounts = new Float64Array(groups * columnCount);
  const itemCounts = new Int32Array(groups);
  // Bucket of each days-past-due value, looked up instead of searched.
  const lowest = limits[0]!;
  const highest = limits[limits.length - 1]!;
  const bucketOfDays = new Uint8Array(highest - lowest + 1);
  for (let days = lowest + 1, bucket = 1; days <= highest; days++) {
    if (days > limits[bucket]!) bucket++;
    bucketOfDays[days - lowest] = bucket;
  }
  for (let item = 0; item < itemCount; item++) {
    if (columns.itemPostingDay[item]! > asOfDay) continue;
    const value = open[item]!;
    if (value === 0) continue;
    const customer = columns.itemCustomer[item]!;
    const group = groupOf ? groupOf[customer]! : customer;
    let column: number;
    if (columns.itemAmountCents[item]! < 0) {
      column = unappliedColumn;
    } else {
      const days = asOfDay - columns.itemDueDay[item]!;
      if (days <= lowest) column = 0;
      else if (days > highest) column = limits.length;
      else column = bucketOfDays[days - lowest]!;
    }
    amounts[group * columnCount + column]! += value;
    itemCounts[group]!++;
  }
  return { amounts, columnCount, itemCounts };
}

/** Column totals and the grand total of a typed aging, as bigint cents. */
export function typedTotals(aging: TypedAging): { amounts: bigint[]; total: bigint } {
  const sums = new Float64Array(aging.columnCount);
  for (let index = 0; index < aging.amounts.length; index++) {
    sums[index % aging.columnCount]! += aging.amounts[index]!;
  }
  const amounts = [...sums].map((value) => BigInt(value));
  return { amounts, total: amounts.reduce((a, b) => a + b, 0n) };
}
