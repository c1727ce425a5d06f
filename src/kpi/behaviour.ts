/**
 * A customer's DSO over a recent period and how it paid its invoices,
 * for the customer page. Ratios are exact fractions of bigints rounded
 * once to two places, half away from zero, like the KPI report.
 */
import type { Queryable } from '../db/types.js';
import { customerOpenItemsSql } from '../ledger/customer-items.js';
import { addDays, addMonths, daysBetween, daysInMonth, type IsoDate } from '../shared/dates.js';
import { formatRatio } from '../shared/money.js';

const decimalPlaces = 2;

/**
 * Returns the first day of the period of `months` whole months that ends
 * on `asOf`: the day after the same day `months` months earlier, or after
 * that month's last day when it is shorter. Three months that end on
 * 2026-03-31 start on 2026-01-01, and three that end on 2026-05-15 start
 * on 2026-02-16.
 */
export function periodStart(asOf: IsoDate, months: number): IsoDate {
  const month = addMonths(asOf.slice(0, 7), -months);
  // Dates start at 0001-01-01: a longer period is cut there.
  if (month < '0001-01') return '0001-01-01';
  const length = daysInMonth(Number(month.slice(0, 4)), Number(month.slice(5, 7)));
  const day = Math.min(Number(asOf.slice(8, 10)), length);
  return addDays(`${month}-${String(day).padStart(2, '0')}`, 1);
}

export interface CustomerKpiRequest {
  companyId: number;
  customerId: bigint;
  asOf: IsoDate;
}

export interface CustomerDso {
  /** Days with two decimals, or null when the period has no credit sales. */
  value: string | null;
  /** Always the standard method, as in the KPI report. */
  method: 'DSO-STD';
  description: string;
  /** First and last day of the period, inclusive. */
  from: IsoDate;
  to: IsoDate;
  days: number;
  /** Balance as of `to`, local minor units. */
  closingAr: bigint;
  /** Invoices and debit notes posted in the period, local minor units. */
  creditSales: bigint;
  reason: string | null;
}

/** Months of the customer DSO period. */
export const customerDsoMonths = 3;

/**
 * Standard DSO of one customer over the three months ending on the as-of
 * date: balance as of that date ÷ credit sales posted in the period ×
 * days in the period. Credit sales are invoices and debit notes, as in
 * the KPI report, and the balance nets open credits.
 */
export async function customerDso(db: Queryable, request: CustomerKpiRequest): Promise<CustomerDso> {
  const from = periodStart(request.asOf, customerDsoMonths);
  const days = daysBetween(from, request.asOf) + 1;
  const result = await db.query<{ closing_ar: string; credit_sales: string }>(
    `select coalesce(sum(o.open_amount_local), 0)::text as closing_ar,
            coalesce(sum(o.amount_local) filter (
              where o.kind in ('invoice', 'debit_note') and o.posting_date >= $4::date), 0)::text as credit_sales
     from (${customerOpenItemsSql('$1', '$2::date', '$3::bigint[]')}) o`,
    [request.companyId, request.asOf, [String(request.customerId)], from],
  );
  const closingAr = BigInt(result.rows[0]?.closing_ar ?? '0');
  const creditSales = BigInt(result.rows[0]?.credit_sales ?? '0');
  const hasSales = creditSales > 0n;
  return {
    value: hasSales ? formatRatio(closingAr * BigInt(days), creditSales, decimalPlaces) : null,
    method: 'DSO-STD',
    description: `Standard DSO: balance on ${request.asOf} ÷ credit sales from ${from} to ${request.asOf} × ${days} days.`,
    from,
    to: request.asOf,
    days,
    closingAr,
    creditSales,
    reason: hasSales ? null : 'no credit sales in the period',
  };
}

export interface PaymentBehaviour {
  /** First and last day of the period in which the invoices were paid. */
  from: IsoDate;
  to: IsoDate;
  /** Invoices paid in full in the period. */
  invoicesPaid: number;
  /** Mean of payment date − document date over those invoices; null without any. */
  averageDaysToPay: string | null;
  /**
   * Mean of days late (payment date − due date, 0 when paid on time),
   * weighted by the invoices' local amounts.
   */
  averageDaysLate: string | null;
  /** Share of those invoices paid after their due date, in percent. */
  paidLatePercent: string | null;
}

/** Months of the payment behaviour period. */
export const paymentBehaviourMonths = 12;

/**
 * How a customer paid over the twelve months ending on the as-of date.
 * An invoice counts when its open amount on the as-of date is zero and
 * the last allocation that cleared it (payment, credit note or any other
 * credit) is dated in the period. That allocation's date is its payment
 * date. Each instalment of an invoice counts as one invoice.
 */
export async function paymentBehaviour(db: Queryable, request: CustomerKpiRequest): Promise<PaymentBehaviour> {
  const from = periodStart(request.asOf, paymentBehaviourMonths);
  const result = await db.query<{
    paid: number;
    days_to_pay: string;
    late_weighted: string;
    weight: string;
    paid_late: number;
  }>(
    `with paid as (
       select o.document_date, o.due_date, o.amount_local, p.paid_date
       from (${customerOpenItemsSql('$1', '$2::date', '$3::bigint[]')}) o
       cross join lateral (
         select max(a.allocation_date) as paid_date
         from allocation a
         where a.company_id = o.company_id and a.debit_item_id = o.item_id
           and a.allocation_date <= $2::date
       ) p
       where o.kind = 'invoice' and o.open_amount = 0 and p.paid_date >= $4::date
     )
     select count(*)::integer as paid,
            coalesce(sum(paid_date - document_date), 0)::text as days_to_pay,
            coalesce(sum(amount_local * greatest(paid_date - due_date, 0)), 0)::text as late_weighted,
            coalesce(sum(amount_local), 0)::text as weight,
            (count(*) filter (where paid_date > due_date))::integer as paid_late
     from paid`,
    [request.companyId, request.asOf, [String(request.customerId)], from],
  );
  const row = result.rows[0]!;
  const weight = BigInt(row.weight);
  const count = BigInt(row.paid);
  return {
    from,
    to: request.asOf,
    invoicesPaid: row.paid,
    averageDaysToPay: count > 0n ? formatRatio(BigInt(row.days_to_pay), count, decimalPlaces) : null,
    averageDaysLate: weight > 0n ? formatRatio(BigInt(row.late_weighted), weight, decimalPlaces) : null,
    paidLatePercent: count > 0n ? formatRatio(BigInt(row.paid_late) * 100n, count, decimalPlaces) : null,
  };
}
