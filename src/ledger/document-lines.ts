/**
 * Turns "document number = amount" as users type it into item lines. An
 * invoice on instalment terms is several items under one document number,
 * so the amount is spread over its open instalments, the earliest due
 * first, each up to what is still open on it.
 */
import type { Queryable } from '../db/types.js';
import { InputError } from '../shared/errors.js';
import { formatMinor } from '../shared/money.js';

export interface DocumentAmount {
  /** Document number, or the source key of one item. */
  document: string;
  /** Minor units of the item currency. */
  amount: bigint;
}

export interface DocumentLine {
  itemId: bigint;
  amount: bigint;
}

/**
 * Resolves documents of one customer (or, with `customerIds`, of several)
 * into item lines. Raises an error naming the document when it is not
 * found, is not a debit, or has less open than the amount.
 */
export async function documentLines(
  db: Queryable,
  companyId: number,
  customerIds: readonly bigint[],
  requests: readonly DocumentAmount[],
  field: string,
): Promise<DocumentLine[]> {
  const lines: DocumentLine[] = [];
  for (const request of requests) {
    const found = await db.query<{ item_id: bigint; erp_key: string; currency: string; open: bigint; exponent: number }>(
      `select i.item_id, i.erp_key, i.currency, cur.exponent,
              (i.amount - coalesce((select sum(a.amount) from allocation a
                                    where a.company_id = i.company_id and a.debit_item_id = i.item_id), 0))::bigint as open
       from open_item i join currency cur on cur.code = i.currency
       where i.company_id = $1 and i.customer_id = any($2::bigint[]) and i.amount > 0
         and (i.erp_key = $3 or i.document_number = $3)
       order by i.erp_key = $3 desc, i.due_date, i.instalment, i.item_id`,
      [companyId, customerIds.map(String), request.document.trim()],
    );
    if (found.rows.length === 0) {
      throw new InputError(`${field} ${request.document}: the customer has no invoice or debit note with that number`, 'invalid_item', field);
    }
    // A source key names exactly one item.
    const items = found.rows[0]!.erp_key === request.document.trim() ? [found.rows[0]!] : found.rows;
    const open = items.reduce((sum, item) => sum + (item.open > 0n ? item.open : 0n), 0n);
    if (request.amount > open) {
      const exponent = items[0]!.exponent;
      throw new InputError(
        `${field} ${request.document}: ${formatMinor(request.amount, exponent)} is more than the ${formatMinor(open, exponent)} ${items[0]!.currency.trim()} still open on it`,
        'overallocation',
        field,
      );
    }
    let left = request.amount;
    for (const item of items) {
      if (left <= 0n) break;
      if (item.open <= 0n) continue;
      const amount = item.open < left ? item.open : left;
      lines.push({ itemId: item.item_id, amount });
      left -= amount;
    }
  }
  return lines;
}
