/** Shapes of the API responses the pages read. Amounts are decimal strings. */

export const dateFormats = ['YYYY-MM-DD', 'DD.MM.YYYY', 'DD/MM/YYYY', 'MM/DD/YYYY'] as const;
export type DateFormat = (typeof dateFormats)[number];

export interface User {
  email: string;
  name: string;
  role: string;
  companies: string[] | null;
  regions: string[] | null;
  dateFormat: DateFormat;
}

export interface Company {
  code: string;
  name: string;
  currency: string;
  currencyExponent: number;
}

export interface AgingBucket {
  label: string;
  from: number | null;
  to: number | null;
}

export interface AgingRow {
  key: string;
  name: string | null;
  currency: string;
  amounts: string[];
  total: string;
  /** Part of the total in dispute on the as-of date; the buckets include it. */
  disputed: string;
}

export interface AgingTotal {
  amounts: string[];
  total: string;
  disputed: string;
}

export interface AgingReport {
  asOf: string;
  basis: string;
  currency: string;
  buckets: AgingBucket[];
  rows: AgingRow[];
  total: AgingTotal | null;
  totals?: (AgingTotal & { currency: string })[];
}

export interface AgingItem {
  company: string;
  itemId: string;
  customerNumber: string;
  customerName: string;
  key: string;
  kind: string;
  documentNumber: string;
  documentDate: string;
  dueDate: string;
  daysPastDue: number;
  currency: string;
  openAmount: string;
  localCurrency: string;
  openAmountLocal: string;
  bucket: number;
  disputed: boolean;
}

export interface Paged {
  total: number;
  limit: number;
  offset: number;
}

export interface Dashboard {
  company: string;
  currency: string;
  asOf: string;
  totalAr: string;
  overdue: string;
  overduePercent: string | null;
  dso: string | null;
  bestPossibleDso: string | null;
  /** The month the headline DSO figures are of: the last one ended by the as-of date. */
  dsoMonth: string | null;
  trend: { month: string; dso: string | null; bestPossibleDso: string | null; inProgress: boolean }[];
  buckets: { label: string; from: number | null; to: number | null; amount: string }[];
  topOverdue: { customerId: string; customerNumber: string; name: string; overdue: string; balance: string }[];
  byRegion: { region: string | null; total: string; overdue: string; buckets: string[] }[];
}

export interface CustomerSummary {
  customerId: string;
  customerNumber: string;
  name: string;
  region: string | null;
  country: string | null;
  collector: string | null;
  segment?: string | null;
  creditSegment?: string | null;
  balance?: string;
  overdue?: string;
}

export interface CustomerList extends Paged {
  company: string;
  asOf: string;
  currency?: string;
  customers: CustomerSummary[];
}

export interface CustomerDetail {
  customer: CustomerSummary & Record<string, unknown>;
  currency: string;
  asOf: string;
  balance: string;
  overdue: string;
  creditLimit: string | null;
  dso: string | null;
  paymentBehaviour: {
    averageDaysToPay: string | number | null;
    averageDaysLate: string | number | null;
    paidLatePercent: string | number | null;
    invoicesPaid: number;
  };
  aging: { buckets: { label: string; amount: string }[] };
}

export interface CustomerItem {
  itemId: string;
  kind: string;
  documentNumber: string;
  documentDate: string;
  dueDate: string;
  currency: string;
  amount?: string;
  openAmount?: string;
  daysPastDue?: number;
  [field: string]: unknown;
}

export interface TimelineEvent {
  date: string;
  kind: string;
  [field: string]: unknown;
}

export interface ImportResponse {
  file: string;
  companies: {
    company: string;
    importId: string | null;
    rows: number;
    itemsInserted: number;
    itemsSkipped: number;
    allocationsInserted: number;
    allocationsSkipped: number;
  }[];
}

export interface AuditEvent {
  id: string;
  at: string;
  actor: string;
  action: string;
  entity: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
}

export interface ListedUser {
  email: string;
  name: string;
  role: string;
  companies: string[] | null;
  regions: string[] | null;
  disabled?: boolean;
  disabledAt?: string | null;
  [field: string]: unknown;
}

export interface BankAccount {
  company: string;
  bankAccountId: number;
  bank: string;
  accountNumber: string;
  currency: string;
  glCode: string | null;
}

export interface StatementWarning {
  file: string;
  line: number | null;
  field: string | null;
  value: string | null;
  message: string;
}

export interface StatementEntry {
  bookingDate: string;
  valueDate: string | null;
  amount: string;
  reference: string | null;
  remittance: string | null;
  counterpartyName: string | null;
  counterpartyAccount: string | null;
  bankCode: string | null;
}

export interface StatementPreview {
  file: string;
  type: string;
  statements: {
    account: string;
    currency: string;
    statementId: string | null;
    openingBalance: string | null;
    closingBalance: string | null;
    openingDate: string | null;
    closingDate: string | null;
    entries: StatementEntry[];
  }[];
  warnings: StatementWarning[];
}

export interface ApplicationCounts {
  company: string;
  entries: number;
  autoPosted: number;
  unapplied: number;
  review: number;
  suspense: number;
}

export interface StatementImport {
  file: string;
  type: string;
  statements: { account: string; company: string; statementRef: string; stored: boolean; entries: number; credits: number }[];
  applied: ApplicationCounts[];
  warnings: StatementWarning[];
}

export const queueStatuses = ['review', 'suspense', 'unapplied', 'posted', 'ignored'] as const;
export type QueueStatus = (typeof queueStatuses)[number];

export interface QueueLine {
  itemId: string;
  documentNumber: string;
  customerNumber: string;
  currency: string;
  dueDate: string;
  openAmount: string;
  amount: string;
}

export interface QueueEntry {
  entryId: string;
  status: QueueStatus;
  company: string;
  bookingDate: string;
  account: string;
  currency: string;
  amount: string;
  reference: string | null;
  remittance: string | null;
  counterpartyName: string | null;
  counterpartyAccount: string | null;
  customerId: string | null;
  customerNumber: string | null;
  customerName: string | null;
  confidence: number | string | null;
  reasons: { code: string; detail: string }[];
  paymentCurrency: string | null;
  paymentAmount: string | null;
  lines: QueueLine[];
}

export interface Queue {
  total: number;
  counts: Partial<Record<QueueStatus, number>>;
  entries: QueueEntry[];
}

export const checkStatuses = ['received', 'in_safe', 'deposited', 'cleared', 'returned', 'replaced', 'cancelled'] as const;
export type CheckStatus = (typeof checkStatuses)[number];

export const returnReasons = ['insufficient_funds', 'signature', 'account_closed', 'stopped', 'post_dated', 'other'] as const;

export interface Check {
  checkId: string;
  company: string;
  customerId: string;
  customerNumber: string;
  customerName: string;
  drawer: string;
  drawerBank: string;
  checkNumber: string;
  currency: string;
  amount: string;
  issueDate: string;
  maturityDate: string;
  businessMaturityDate: string;
  receivedDate: string;
  postDated: boolean;
  certified: boolean;
  status: CheckStatus;
  slipId: string | null;
  depositedDate: string | null;
  clearedDate: string | null;
  paymentItemId: string | null;
  returnedDate: string | null;
  returnReason: string | null;
  returnText: string | null;
  chargeItemId: string | null;
  replacedByCheckId: string | null;
  replacesCheckId: string | null;
  lines: { itemId: string; documentNumber: string; amount: string }[];
}

export interface CurrencyTotal {
  currency: string;
  count: number;
  amount: string;
}

export interface CheckSchedule {
  company: string;
  by: string;
  rows: (CurrencyTotal & { period: string })[];
  totals: CurrencyTotal[];
}

export interface ReturnedChecks {
  company: string;
  rows: (CurrencyTotal & { customerId: string; customerNumber: string; customerName: string; reason: string })[];
  totals: CurrencyTotal[];
}

export interface CollectionsRow {
  period: string;
  region: string | null;
  collector: string | null;
  collected: string;
  monthToDate: string | null;
  target: string | null;
  share: string | null;
}

export interface CollectionsReport {
  company: string;
  currency: string;
  from: string;
  to: string;
  by: string[];
  period: string;
  rows: CollectionsRow[];
  totals: CollectionsRow[];
}

export interface DepositSlip {
  slipId: string;
  company: string;
  bankAccountId: number;
  accountNumber: string;
  bank: string;
  date: string;
  currency: string;
  total: string;
  reference: string | null;
  createdBy: string;
  checks: Check[];
  cash: { lineNumber: number; amount: string; currency: string; reference: string | null; cashReceiptId: string | null }[];
}

export const cashReceiptKinds = ['cash', 'transfer'] as const;
export const cashReceiptStatuses = ['pending', 'approved', 'rejected'] as const;
export type CashReceiptStatus = (typeof cashReceiptStatuses)[number];

export interface CashReceipt {
  id: string;
  company: string;
  kind: (typeof cashReceiptKinds)[number];
  customerId: string;
  customerNumber: string;
  customerName: string;
  region: string | null;
  currency: string;
  amount: string;
  allocated: string;
  unapplied: string;
  date: string;
  collector: string | null;
  reference: string | null;
  note: string | null;
  status: CashReceiptStatus;
  enteredBy: string;
  enteredAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
  paymentItemId: string | null;
  lines: { itemId: string; documentNumber: string; amount: string }[];
}

export type StrategyAction = 'email_reminder' | 'call' | 'letter' | 'visit' | 'stop_supply' | 'legal';
export type RiskClass = 'low' | 'medium' | 'high' | 'very_high';

/** One customer of the ranked worklist, with the parts of its score (points as decimal text). */
export interface WorklistEntry {
  rank: number;
  customerId: string;
  customerNumber: string;
  customerName: string;
  collector: string | null;
  region: string | null;
  riskClass: RiskClass | null;
  strategy: string | null;
  strategyVersion: number | null;
  stepPosition: number | null;
  action: StrategyAction | null;
  stepDueDate: string | null;
  daysPastDue: number | null;
  overdue: string;
  disputed: string;
  brokenPromises: number;
  followUpDate: string | null;
  promiseDueDate: string | null;
  promiseBrokenDate: string | null;
  parts: { amount: string; days: string; risk: string; brokenPromises: string; step: string; tasks: string };
  score: string;
}

export interface WorklistResponse extends Paged {
  company: string;
  currency: string;
  date: string;
  rankedAt: string;
  collectors: { collector: string | null; entries: number }[];
  entries: WorklistEntry[];
}

export interface StrategyStep {
  position?: number;
  action: StrategyAction;
  daysFrom: number;
  daysTo: number | null;
  minAmount: string;
  riskClass: RiskClass | null;
  segment: string | null;
  weight: number;
  note: string | null;
}

export interface Strategy {
  code: string;
  name: string;
  isDefault: boolean;
  active: boolean;
  version: number;
  updatedBy: string;
  updatedAt: string;
  steps: StrategyStep[];
}

export interface StrategyRule {
  ruleId: string;
  priority: number;
  strategy: string;
  segment: string | null;
  riskClass: RiskClass | null;
  region: string | null;
  updatedBy: string;
  updatedAt: string;
}

export const dunningLetterStatuses = ['proposed', 'dropped', 'approved', 'sent', 'failed', 'printed'] as const;
export type DunningLetterStatus = (typeof dunningLetterStatuses)[number];

/** A dunning letter's amounts in one currency, as decimal text. */
export interface DunningTotal {
  currency: string;
  openAmount: string;
  interest: string;
  fee: string;
  total: string;
}

export interface DunningItem {
  itemId: string;
  documentNumber: string;
  dueDate: string;
  daysPastDue: number;
  currency: string;
  openAmount: string;
  level: number;
  interestDays: number;
  interest: string;
}

export interface DunningLetter {
  letterId: string;
  runId: string;
  asOf: string;
  customerId: string;
  customerNumber: string;
  customerName: string;
  level: number;
  language: string;
  status: DunningLetterStatus;
  toAddress: string | null;
  error: string | null;
  dropReason: string | null;
  feeCurrency: string | null;
  fee: string | null;
  items: DunningItem[];
  totals: DunningTotal[];
}

export interface DunningRun {
  runId: string;
  company: string;
  asOf: string;
  status: 'proposed' | 'approved';
  source: 'manual' | 'job';
  createdBy: string;
  approvedBy: string | null;
  approvedAt: string | null;
  approvableByYou: boolean;
  letters: DunningLetter[];
  totals: DunningTotal[];
}

export interface DunningRunSummary {
  runId: string;
  asOf: string;
  status: 'proposed' | 'approved';
  source: 'manual' | 'job';
  createdBy: string;
  approvedBy: string | null;
  letters: number;
  dropped: number;
  sent: number;
  failed: number;
}

export interface DunningProposalLetter {
  customerId: string;
  customerNumber: string;
  customerName: string;
  level: number;
  language: string;
  email: string | null;
  feeCurrency: string | null;
  fee: string | null;
  items: DunningItem[];
  totals: DunningTotal[];
}

export interface DunningSendResult {
  runId: string;
  sent: number;
  failed: number;
  toPrint: number;
  paid: number;
}

export interface ReviewSummary {
  reviewId: string;
  company: string;
  region: string;
  date: string;
  previousReviewId: string | null;
  customerCount: number;
  overdue: string;
  currency: string;
  openActions: number;
  createdBy: string;
}

export interface ReviewCustomer {
  customerId: string;
  customerNumber: string;
  name: string;
  /** new: not on the previous review; gone: on the previous review only. */
  status: 'new' | 'listed' | 'gone';
  overdue: string;
  previousOverdue: string | null;
  /** Null on the first review of a region. */
  change: string | null;
  balance: string;
  disputed: string;
  checkCover: string;
  netExposure: string;
  bucketAmounts: string[];
  promises: { promiseId: string; currency: string; amount: string; promisedDate: string }[];
  disputes: { disputeId: string; currency: string; amount: string; reason: string; openedDate: string }[];
}

export interface ReviewAction {
  actionId: string;
  reviewId: string;
  customerNumber: string;
  customerName: string;
  text: string;
  owner: string;
  due: string;
  activityId: string;
  status: 'open' | 'done';
  doneDate: string | null;
  doneBy: string | null;
  createdBy: string;
}

export interface OverdueReview {
  reviewId: string;
  company: string;
  currency: string;
  region: string;
  date: string;
  previous: { reviewId: string; date: string } | null;
  buckets: AgingBucket[];
  customers: ReviewCustomer[];
  totals: {
    overdue: string;
    previousOverdue: string | null;
    change: string | null;
    balance: string;
    disputed: string;
    checkCover: string;
    netExposure: string;
    bucketAmounts: string[];
  };
  actions: ReviewAction[];
  createdBy: string;
  createdAt: string;
}
