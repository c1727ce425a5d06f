import type { Queryable } from '../db/types.js';

/**
 * Reads the ledger's change counter (migration 006), which every write to
 * open items, allocations or customers raises. Results computed from the
 * ledger stay valid while it stays the same.
 */
export async function ledgerVersion(db: Queryable): Promise<bigint> {
  const result = await db.query<{ version: bigint }>('select version from ledger_version');
  return result.rows[0]!.version;
}

interface Memo {
  version: bigint;
  entries: Map<string, Promise<unknown>>;
}

const memos = new WeakMap<Queryable, Memo>();
/** Results kept per database; the oldest goes first beyond this. */
const maxEntries = 200;

/**
 * Returns the result of `compute` for `key`, computed once per ledger
 * version: a later call with the same key and no write in between gets
 * the same result, and concurrent calls share one computation. A failed
 * computation is not kept.
 */
export async function memoByLedgerVersion<T>(db: Queryable, key: string, compute: () => Promise<T>): Promise<T> {
  const version = await ledgerVersion(db);
  let memo = memos.get(db);
  if (!memo || memo.version !== version) {
    memo = { version, entries: new Map() };
    memos.set(db, memo);
  }
  const known = memo.entries.get(key);
  if (known) return known as Promise<T>;
  const entries = memo.entries;
  const result = compute();
  entries.set(key, result);
  if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
  result.catch(() => entries.delete(key));
  return result;
}
