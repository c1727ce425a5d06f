import type { IsoDate } from '../shared/dates.js';

export const itemKinds = [
  'invoice',
  'credit_note',
  'debit_note',
  'payment',
  'advance',
  'adjustment',
  'write_off',
] as const;
export type ItemKind = (typeof itemKinds)[number];

export interface Company {
  companyId: number;
  code: string;
  name: string;
  currency: string;
  currencyExponent: number;
  weekendDays: number[];
}

export interface CustomerInput {
  customerNumber: string;
  name: string;
  groupNumber?: string | null;
  country?: string | null;
  region?: string | null;
  collector?: string | null;
  salesRep?: string | null;
  paymentTerms?: string | null;
  creditSegment?: string | null;
}

export interface OpenItemInput {
  customerNumber: string;
  kind: ItemKind;
  documentNumber: string;
  /** Source key; the same key is never imported twice into a company. */
  erpKey: string;
  instalment?: number;
  documentDate: IsoDate;
  postingDate: IsoDate;
  dueDate: IsoDate;
  currency: string;
  /** Signed minor units: debits positive, credits negative. */
  amount: bigint;
  /** Signed minor units of the company currency; computed when omitted. */
  amountLocal?: bigint;
  fxRate?: string;
  disputed?: boolean;
  paymentTerms?: string | null;
  reference?: string | null;
  sourceLine?: number | null;
}

export interface AllocationInput {
  /** Source key of the allocation itself, for idempotent imports. */
  erpKey?: string;
  /** Source key of the credit item (payment, credit note ...). */
  creditErpKey: string;
  /** Source key of the debit item (invoice, debit note ...). */
  debitErpKey: string;
  allocationDate: IsoDate;
  /** Minor units of the debit item's currency, positive. */
  amount: bigint;
}

export interface OpenItemRow {
  itemId: bigint;
  customerId: bigint;
  customerNumber: string;
  customerName: string;
  kind: ItemKind;
  documentNumber: string;
  erpKey: string;
  instalment: number;
  documentDate: IsoDate;
  postingDate: IsoDate;
  dueDate: IsoDate;
  currency: string;
  amount: bigint;
  amountLocal: bigint;
  disputed: boolean;
}
