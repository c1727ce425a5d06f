import type { IsoDate } from '../shared/dates.js';

export const checkStatuses = ['received', 'in_safe', 'deposited', 'cleared', 'returned', 'replaced', 'cancelled'] as const;
export type CheckStatus = (typeof checkStatuses)[number];

export const returnReasons = ['insufficient_funds', 'signature', 'account_closed', 'stopped', 'post_dated', 'other'] as const;
export type ReturnReason = (typeof returnReasons)[number];

/** The states each state may move to. */
export const nextStatuses: Readonly<Record<CheckStatus, readonly CheckStatus[]>> = {
  received: ['in_safe', 'deposited', 'replaced', 'cancelled'],
  in_safe: ['deposited', 'replaced', 'cancelled'],
  deposited: ['cleared', 'returned'],
  cleared: ['returned'],
  returned: ['replaced'],
  replaced: [],
  cancelled: [],
};

/** Checks in these states are not paid yet and count as cover. */
export const uncleared: readonly CheckStatus[] = ['received', 'in_safe', 'deposited'];

export interface CheckLineInput {
  itemId: bigint;
  /** Minor units of the check's currency. */
  amount: bigint;
}

export interface CheckInput {
  customerId: bigint;
  drawer: string;
  drawerBank: string;
  checkNumber: string;
  currency: string;
  /** Positive minor units of `currency`. */
  amount: bigint;
  issueDate: IsoDate;
  maturityDate: IsoDate;
  receivedDate: IsoDate;
  certified?: boolean;
  /** The open items the check is meant to pay. */
  lines?: readonly CheckLineInput[];
  note?: string | null;
}

export interface CheckLine {
  itemId: bigint;
  documentNumber: string;
  amount: bigint;
}

export interface Check {
  checkId: bigint;
  companyId: number;
  companyCode: string;
  customerId: bigint;
  customerNumber: string;
  customerName: string;
  region: string | null;
  drawer: string;
  drawerBank: string;
  checkNumber: string;
  currency: string;
  currencyExponent: number;
  amount: bigint;
  issueDate: IsoDate;
  maturityDate: IsoDate;
  /** The maturity moved to the next business day of the company calendar. */
  businessMaturityDate: IsoDate;
  receivedDate: IsoDate;
  /** Matures after the day it was received. */
  postDated: boolean;
  certified: boolean;
  status: CheckStatus;
  slipId: bigint | null;
  depositedDate: IsoDate | null;
  clearedDate: IsoDate | null;
  paymentItemId: bigint | null;
  returnedDate: IsoDate | null;
  returnReason: ReturnReason | null;
  returnText: string | null;
  chargeItemId: bigint | null;
  replacedByCheckId: bigint | null;
  replacesCheckId: bigint | null;
  lines: CheckLine[];
}

export interface CheckEvent {
  eventId: bigint;
  eventDate: IsoDate;
  fromStatus: CheckStatus | null;
  toStatus: CheckStatus;
  actor: string;
  note: string | null;
}

export interface CheckSettings {
  /** Minor units of the company currency; 0 charges nothing. */
  returnCharge: bigint;
  returnLimitCount: number;
  returnPeriodDays: number;
}

export interface CheckProposal {
  proposalId: bigint;
  kind: 'credit_block' | 'legal_handover';
  customerId: bigint;
  reason: string;
  checkIds: bigint[];
  proposalDate: IsoDate;
  status: string;
}
