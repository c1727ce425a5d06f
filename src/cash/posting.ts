/**
 * Receipts in the ledger: a receipt (bank credit, cleared check, regional
 * cash) becomes a payment item of its customer with allocations to the
 * items it pays, and a returned receipt is undone by reversing entries,
 * never by changing what was posted.
 */
import type { Queryable } from '../db/types.js';
import { insertAllocations } from '../ledger/allocations.js';
import { insertItems } from '../ledger/items.js';
import type { AllocationInput, Company, OpenItemInput } from '../ledger/types.js';
import type { IsoDate } from '../shared/dates.js';
import { InputError, NotFoundError } from '../shared/errors.js';

export interface ReceiptAllocation {
  itemId: bigint;
  /** Minor units of the item's currency, which is the receipt's. */
  amount: bigint;
}

export interface ReceiptInput {
  customerId: bigint;
  /** Source key of the payment item, such as `BANK:42` or `CHECK:7`; posted once. */
  erpKey: string;
  documentNumber: string;
  date: IsoDate;
  currency: string;
  /** Positive minor units of `currency`. */
  amount: bigint;
  /** Local amount when the receipt was converted at a known rate; computed otherwise. */
  amountLocal?: bigint;
  fxRate?: string;
  reference?: string | null;
  allocations: readonly ReceiptAllocation[];
}

export interface PostedReceipt {
  erpKey: string;
  paymentItemId: bigint;
  allocated: bigint;
}

/**
 * Posts receipts as payment items with their allocations, in the caller's
 * transaction. A receipt whose key is already posted, an allocation that
 * would take an item past zero, or an item of another company raises, so
 * the caller's transaction rolls back whole.
 */
export async function postReceipts(
  db: Queryable,
  company: Company,
  receipts: readonly ReceiptInput[],
): Promise<PostedReceipt[]> {
  if (receipts.length === 0) return [];
  for (const receipt of receipts) {
    if (receipt.amount <= 0n) {
      throw new InputError(`receipt ${receipt.erpKey}: amount must be positive`, 'invalid_amount', 'amount');
    }
    const allocated = receipt.allocations.reduce((sum, line) => sum + line.amount, 0n);
    if (allocated > receipt.amount) {
      throw new InputError(
        `receipt ${receipt.erpKey}: allocations of ${allocated} exceed the amount ${receipt.amount}`,
        'overallocation',
        'amount',
      );
    }
  }
  const customers = await db.query<{ customer_id: bigint; customer_number: string }>(
    `select customer_id, customer_number from customer
     where company_id = $1 and customer_id = any($2::bigint[])`,
    [company.companyId, [...new Set(receipts.map((receipt) => receipt.customerId.toString()))]],
  );
  const numberOf = new Map(customers.rows.map((row) => [row.customer_id, row.customer_number]));
  const idOf = new Map(customers.rows.map((row) => [row.customer_number, row.customer_id]));
  const itemIds = [...new Set(receipts.flatMap((receipt) => receipt.allocations.map((line) => line.itemId.toString())))];
  const items = await db.query<{ item_id: bigint; erp_key: string }>(
    'select item_id, erp_key from open_item where company_id = $1 and item_id = any($2::bigint[])',
    [company.companyId, itemIds],
  );
  const itemKeyOf = new Map(items.rows.map((row) => [row.item_id, row.erp_key]));

  const payments: OpenItemInput[] = receipts.map((receipt) => {
    const customerNumber = numberOf.get(receipt.customerId);
    if (customerNumber === undefined) {
      throw new NotFoundError(`customer ${receipt.customerId} not found in ${company.code}`, 'customer');
    }
    return {
      customerNumber,
      kind: 'payment',
      documentNumber: receipt.documentNumber,
      erpKey: receipt.erpKey,
      documentDate: receipt.date,
      postingDate: receipt.date,
      dueDate: receipt.date,
      currency: receipt.currency,
      amount: -receipt.amount,
      ...(receipt.amountLocal === undefined ? {} : { amountLocal: -receipt.amountLocal }),
      ...(receipt.fxRate === undefined ? {} : { fxRate: receipt.fxRate }),
      reference: receipt.reference ?? null,
    };
  });
  const inserted = await insertItems(db, company, idOf, payments, null);
  if (inserted.skipped > 0) {
    const posted = receipts.find((receipt) => !inserted.insertedStates.has(receipt.erpKey));
    throw new InputError(`receipt ${posted?.erpKey ?? ''} is already posted`, 'already_posted', 'receipt');
  }

  const allocations: AllocationInput[] = [];
  for (const receipt of receipts) {
    for (const line of receipt.allocations) {
      const debitErpKey = itemKeyOf.get(line.itemId);
      if (debitErpKey === undefined) {
        throw new NotFoundError(`item ${line.itemId} not found in ${company.code}`, 'item');
      }
      allocations.push({
        erpKey: `${receipt.erpKey}>${debitErpKey}`,
        creditErpKey: receipt.erpKey,
        debitErpKey,
        allocationDate: receipt.date,
        amount: line.amount,
      });
    }
  }
  await insertAllocations(db, company.companyId, allocations, null, inserted.insertedStates);
  return receipts.map((receipt) => ({
    erpKey: receipt.erpKey,
    paymentItemId: inserted.insertedStates.get(receipt.erpKey)!.itemId,
    allocated: receipt.allocations.reduce((sum, line) => sum + line.amount, 0n),
  }));
}

export interface ReversedReceipt {
  reversedAllocationIds: bigint[];
  /** The debit item that cancels the payment item from the reversal date on. */
  offsetItemId: bigint;
}

/**
 * Undoes a posted receipt from `date` on, as when a check comes back
 * unpaid: every allocation of the payment item is reversed, so the items
 * it paid reopen, and a debit item of the same amount is allocated against
 * the payment so it no longer counts as unapplied cash. Aging as of any
 * day before `date` is unchanged.
 */
export async function reverseReceipt(
  db: Queryable,
  company: Company,
  paymentItemId: bigint,
  date: IsoDate,
  reason: string,
): Promise<ReversedReceipt> {
  const payment = await db.query<{
    erp_key: string;
    customer_number: string;
    document_number: string;
    currency: string;
    amount: bigint;
    amount_local: bigint;
    fx_rate: string;
    posting_date: string;
    kind: string;
  }>(
    `select i.erp_key, c.customer_number, i.document_number, i.currency, i.amount,
            i.amount_local, i.fx_rate::text as fx_rate, i.posting_date, i.kind
     from open_item i join customer c using (company_id, customer_id)
     where i.company_id = $1 and i.item_id = $2`,
    [company.companyId, paymentItemId],
  );
  const row = payment.rows[0];
  if (!row || row.kind !== 'payment') throw new NotFoundError(`payment item ${paymentItemId} not found`, 'item');
  if (date < row.posting_date) {
    throw new InputError(`reversal date ${date} is before the payment date ${row.posting_date}`, 'invalid_reversal', 'date');
  }
  const open = await db.query<{ allocation_id: bigint; allocation_date: string }>(
    `select a.allocation_id, a.allocation_date from allocation a
     where a.company_id = $1 and a.credit_item_id = $2 and a.amount > 0
       and a.reverses_allocation_id is null
       and not exists (select 1 from allocation r
                       where r.company_id = a.company_id and r.reverses_allocation_id = a.allocation_id)`,
    [company.companyId, paymentItemId],
  );
  const late = open.rows.find((allocation) => allocation.allocation_date > date);
  if (late) {
    throw new InputError(
      `reversal date ${date} is before allocation ${late.allocation_id} of ${late.allocation_date}`,
      'invalid_reversal',
      'date',
    );
  }
  const reversedAllocationIds: bigint[] = [];
  if (open.rows.length > 0) {
    const reversed = await db.query<{ allocation_id: bigint }>(
      `insert into allocation (company_id, allocation_id, credit_item_id, debit_item_id,
         allocation_date, amount, credit_amount, amount_local, credit_amount_local,
         reverses_allocation_id, reason)
       select company_id, nextval('allocation_id_seq'), credit_item_id, debit_item_id, $3,
              -amount, -credit_amount, -amount_local, -credit_amount_local, allocation_id, $4
       from allocation where company_id = $1 and allocation_id = any($2::bigint[])
       order by allocation_id
       returning allocation_id`,
      [company.companyId, open.rows.map((allocation) => allocation.allocation_id.toString()), date, reason],
    );
    reversedAllocationIds.push(...reversed.rows.map((allocation) => allocation.allocation_id));
  }

  const offsetKey = `${row.erp_key}:reversal`;
  const customerId = await db.query<{ customer_id: bigint }>(
    'select customer_id from customer where company_id = $1 and customer_number = $2',
    [company.companyId, row.customer_number],
  );
  const inserted = await insertItems(
    db,
    company,
    new Map([[row.customer_number, customerId.rows[0]!.customer_id]]),
    [
      {
        customerNumber: row.customer_number,
        kind: 'adjustment',
        documentNumber: row.document_number,
        erpKey: offsetKey,
        documentDate: date,
        postingDate: date,
        dueDate: date,
        currency: row.currency,
        amount: -row.amount,
        amountLocal: -row.amount_local,
        fxRate: row.fx_rate,
        reference: reason,
      },
    ],
    null,
  );
  const offset = inserted.insertedStates.get(offsetKey);
  if (!offset) throw new InputError(`payment item ${paymentItemId} is already reversed`, 'invalid_reversal', 'item');
  await insertAllocations(
    db,
    company.companyId,
    [{ erpKey: `${offsetKey}>${row.erp_key}`, creditErpKey: row.erp_key, debitErpKey: offsetKey, allocationDate: date, amount: -row.amount }],
    null,
    inserted.insertedStates,
  );
  return { reversedAllocationIds, offsetItemId: offset.itemId };
}
