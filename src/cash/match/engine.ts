/**
 * The matcher: for one incoming bank credit, finds the customer and the
 * open items it pays, and states how sure it is and why. It is a pure
 * function of the entry and a context loaded once per run (context.ts),
 * so a run over thousands of lines makes no query per line.
 *
 * Evidence comes in three kinds, and the confidence is read from a table
 * of their combinations (`scoreOf`) rather than added up, so each
 * confidence level has a stated reason:
 * - who paid: a learned payer account, the payer's name, a customer
 *   number in the text, or the group of a customer found so;
 * - what was paid: document numbers in the remittance, exact or one edit
 *   away;
 * - how much: the amount against the items' open amounts, exactly, short
 *   within a tolerance, over, or as a subset of the customer's items.
 */
import { convertAmount, formatMinor, formatRatio, rateToFraction } from '../../shared/money.js';
import type { IsoDate } from '../../shared/dates.js';
import type { CustomerNameIndex } from './names.js';
import { minGlobalCoreLength, oneEditVariants, referenceCores } from './reference.js';
import { findSubsetSum } from './subset.js';

export interface MatchItem {
  itemId: bigint;
  customerId: bigint;
  documentNumber: string;
  core: string;
  currency: string;
  /** Open amount in the item's currency; lowered as a run posts to the item. */
  open: bigint;
  dueDate: IsoDate;
  postingDate: IsoDate;
}

export interface MatchCustomer {
  customerId: bigint;
  customerNumber: string;
  name: string;
  groupNumber: string | null;
}

export interface MatchSettings {
  autoPostThreshold: number;
  shortPayTolerance: number;
  fxTolerance: number;
}

export const defaultMatchSettings: MatchSettings = { autoPostThreshold: 0.9, shortPayTolerance: 0.05, fxTolerance: 0.02 };

export interface MatchContext {
  companyCurrency: string;
  exponents: ReadonlyMap<string, number>;
  itemsByCore: ReadonlyMap<string, MatchItem[]>;
  /** Each customer's open debit items, oldest due date first. */
  itemsByCustomer: ReadonlyMap<bigint, MatchItem[]>;
  /** Open debit items by `currency:open amount`, for credits that name nothing but fit one item. */
  itemsByAmount: ReadonlyMap<string, MatchItem[]>;
  customers: ReadonlyMap<bigint, MatchCustomer>;
  customersByNumber: ReadonlyMap<string, bigint>;
  groupMembers: ReadonlyMap<string, bigint[]>;
  names: CustomerNameIndex;
  payerAccounts: ReadonlyMap<string, { customerId: bigint; confirmedCount: number }>;
  /** Units of `to` for one unit of `from` on or before `date`, or null. */
  fxRate(from: string, to: string, date: IsoDate): string | null;
  settings: MatchSettings;
}

export interface EntryToMatch {
  entryId: bigint;
  bookingDate: IsoDate;
  currency: string;
  /** Positive minor units of `currency`. */
  amount: bigint;
  reference: string | null;
  remittance: string | null;
  counterpartyName: string | null;
  counterpartyAccount: string | null;
}

export interface MatchReason {
  code:
    | 'reference'
    | 'reference_typo'
    | 'payer_account'
    | 'payer_name'
    | 'customer_number'
    | 'group_payment'
    | 'amount_exact'
    | 'amount_subset'
    | 'short_payment'
    | 'overpayment'
    | 'partial_payment'
    | 'fx'
    | 'conflict'
    | 'ambiguous'
    | 'unapplied'
    | 'no_customer'
    | 'posting_failed';
  detail: string;
}

export interface MatchLine {
  itemId: bigint;
  customerId: bigint;
  /** Minor units of the payment currency, which is the items' currency. */
  amount: bigint;
}

export interface MatchProposal {
  entryId: bigint;
  customerId: bigint | null;
  /** From 0 to 1, three decimals. */
  confidence: number;
  reasons: MatchReason[];
  lines: MatchLine[];
  /** Currency and amount of the payment item: the items' currency, converted at `fxRate` when it differs. */
  paymentCurrency: string;
  paymentAmount: bigint;
  fxRate: string | null;
}

type Identity = 'account' | 'name_strong' | 'name_weak' | 'number' | 'group' | 'none';
type References = 'exact' | 'typo' | 'none';
type AmountFit = 'exact' | 'short' | 'over' | 'partial' | 'prefix' | 'subset' | 'single_short' | 'ambiguous' | 'none';

const strongName = 0.85;
const weakName = 0.6;

/**
 * Confidence when the remittance names documents, by how they matched
 * (exactly or one edit away), whether the payer is known, and the amount's
 * fit. A mistyped number whose item has exactly the amount paid scores as
 * high as a learned payer. Another item one edit away would need the same
 * amount to the cent, and the rival check in proposeMatch catches that.
 */
const scoresWithReferences: Record<'exact' | 'typo', Record<'known' | 'unknown', Partial<Record<AmountFit, number>>>> = {
  exact: {
    known: { exact: 0.99, short: 0.93, over: 0.91, partial: 0.9 },
    unknown: { exact: 0.97, short: 0.9, over: 0.85, partial: 0.8 },
  },
  typo: {
    known: { exact: 0.95, short: 0.85, over: 0.84, partial: 0.8 },
    unknown: { exact: 0.9, short: 0.75, over: 0.72, partial: 0.7 },
  },
};

/** Confidence without document numbers, by how the payer was found and the amount's fit. */
const scoresWithoutReferences: Record<Identity, Partial<Record<AmountFit, number>>> = {
  account: { exact: 0.96, prefix: 0.95, subset: 0.9, single_short: 0.82, ambiguous: 0.7, none: 0.92 },
  number: { exact: 0.93, prefix: 0.92, subset: 0.86, single_short: 0.8, ambiguous: 0.65, none: 0.8 },
  name_strong: { exact: 0.92, prefix: 0.91, subset: 0.86, single_short: 0.78, ambiguous: 0.6, none: 0.8 },
  group: { exact: 0.85, prefix: 0.84, subset: 0.8, single_short: 0.7, ambiguous: 0.5, none: 0.6 },
  name_weak: { exact: 0.8, prefix: 0.78, subset: 0.72, single_short: 0.65, ambiguous: 0.45, none: 0.5 },
  none: { exact: 0.55, prefix: 0.5, subset: 0.4, single_short: 0.35, ambiguous: 0.2, none: 0 },
};

/**
 * Returns the confidence of a combination of evidence. Document numbers
 * with the exact amount are near certain, and a payer found by account or
 * name with an exact amount is strong. An amount alone never is.
 */
function scoreOf(identity: Identity, references: References, fit: AmountFit): number {
  const known = identity !== 'none';
  if (references === 'none') return scoresWithoutReferences[identity][fit] ?? 0;
  const score = scoresWithReferences[references][known ? 'known' : 'unknown'][fit];
  // Named documents that the amount does not fit at all.
  return score ?? (known ? 0.6 : 0.4);
}

const identityReasons: Record<Exclude<Identity, 'none'>, MatchReason['code']> = {
  account: 'payer_account',
  number: 'customer_number',
  name_strong: 'payer_name',
  name_weak: 'payer_name',
  group: 'group_payment',
};

interface Candidate {
  customerId: bigint;
  identity: Identity;
  identityDetail: string;
}

interface Evaluation {
  customerId: bigint;
  confidence: number;
  reasons: MatchReason[];
  lines: MatchLine[];
  paymentCurrency: string;
  paymentAmount: bigint;
  fxRate: string | null;
}

function normaliseAccount(text: string | null): string | null {
  if (!text) return null;
  const value = text.replace(/\s+/g, '').toUpperCase();
  return value === '' ? null : value;
}

/** Items named in the text, exactly or one edit away, that are open on the booking date. */
function referencedItems(entry: EntryToMatch, context: MatchContext): Map<bigint, { item: MatchItem; typo: boolean }> {
  const text = [entry.remittance, entry.reference].filter(Boolean).join(' ');
  const found = new Map<bigint, { item: MatchItem; typo: boolean }>();
  const usable = (item: MatchItem) => item.open > 0n && item.postingDate <= entry.bookingDate;
  for (const core of referenceCores(text, minGlobalCoreLength)) {
    const exact = (context.itemsByCore.get(core) ?? []).filter(usable);
    for (const item of exact) found.set(item.itemId, { item, typo: false });
    // Typos are looked for only in longer numbers: a one-edit variant of a
    // five-digit number is another plausible number far too often.
    if (exact.length > 0 || core.length < 7) continue;
    for (const variant of oneEditVariants(core)) {
      for (const item of context.itemsByCore.get(variant) ?? []) {
        if (usable(item) && !found.has(item.itemId)) found.set(item.itemId, { item, typo: true });
      }
    }
  }
  return found;
}

/** Converts the entry amount into `currency`, or null without a rate. */
function convertedAmount(entry: EntryToMatch, currency: string, context: MatchContext): { amount: bigint; rate: string | null } | null {
  if (entry.currency === currency) return { amount: entry.amount, rate: null };
  const rate = context.fxRate(entry.currency, currency, entry.bookingDate);
  if (rate === null) return null;
  const from = context.exponents.get(entry.currency) ?? 2;
  const to = context.exponents.get(currency) ?? 2;
  return { amount: convertAmount(entry.amount, rate, from, to), rate };
}

function moneyText(amount: bigint, currency: string, context: MatchContext): string {
  return `${formatMinor(amount, context.exponents.get(currency) ?? 2)} ${currency}`;
}

function withinShare(difference: bigint, base: bigint, share: number): boolean {
  if (difference < 0n) difference = -difference;
  // Share as a fraction of 1,000,000 keeps the comparison in integers.
  return difference * 1_000_000n <= base * BigInt(Math.round(share * 1_000_000));
}

/** Lines paying `items` in order with `amount`: each in full while the money lasts. */
function payInOrder(items: readonly MatchItem[], amount: bigint): MatchLine[] {
  const lines: MatchLine[] = [];
  let left = amount;
  for (const item of items) {
    if (left <= 0n) break;
    const paid = item.open < left ? item.open : left;
    lines.push({ itemId: item.itemId, customerId: item.customerId, amount: paid });
    left -= paid;
  }
  return lines;
}

/** Orders items by due date, then by id, as the matcher pays them. */
export function byDueDate(a: MatchItem, b: MatchItem): number {
  if (a.dueDate !== b.dueDate) return a.dueDate < b.dueDate ? -1 : 1;
  if (a.itemId === b.itemId) return 0;
  return a.itemId < b.itemId ? -1 : 1;
}

function customerLabel(context: MatchContext, customerId: bigint): string {
  const customer = context.customers.get(customerId);
  return customer ? `${customer.customerNumber} ${customer.name}` : String(customerId);
}

/**
 * Evaluates one candidate payer: which of its (or its group's) items the
 * payment covers, in which currency, and with what confidence.
 */
function evaluate(
  entry: EntryToMatch,
  candidate: Candidate,
  referenced: ReadonlyMap<bigint, { item: MatchItem; typo: boolean }>,
  context: MatchContext,
): Evaluation {
  const { settings } = context;
  const customer = context.customers.get(candidate.customerId);
  const group = customer?.groupNumber ? (context.groupMembers.get(customer.groupNumber) ?? []) : [];
  const reasons: MatchReason[] = [];
  if (candidate.identity !== 'none') {
    reasons.push({ code: identityReasons[candidate.identity], detail: candidate.identityDetail });
  }
  const own = [...referenced.values()].filter(
    ({ item }) => item.customerId === candidate.customerId || group.includes(item.customerId),
  );
  const unapplied = (identity: Identity): Evaluation => ({
    customerId: candidate.customerId,
    confidence: scoreOf(identity, 'none', 'none'),
    reasons: [...reasons, { code: 'unapplied', detail: 'no open items fit the amount; the money stays on the customer as unapplied cash' }],
    lines: [],
    paymentCurrency: entry.currency,
    paymentAmount: entry.amount,
    fxRate: null,
  });

  if (own.length > 0) {
    const items = own.map(({ item }) => item).sort(byDueDate);
    const references: References = own.some(({ typo }) => typo) ? 'typo' : 'exact';
    const currency = items[0]!.currency;
    const sameCurrency = items.filter((item) => item.currency === currency);
    const converted = convertedAmount(entry, currency, context);
    if (converted === null) return unapplied(candidate.identity);
    const fx = converted.rate !== null;
    const total = sameCurrency.reduce((sum, item) => sum + item.open, 0n);
    const names = sameCurrency.map((item) => item.documentNumber).join(', ');
    reasons.push({
      code: references === 'exact' ? 'reference' : 'reference_typo',
      detail: references === 'exact' ? `remittance names ${names}` : `remittance names ${names}, with a typing error`,
    });
    if (sameCurrency.some((item) => item.customerId !== candidate.customerId)) {
      reasons.push({ code: 'group_payment', detail: `items of another customer of group ${customer?.groupNumber ?? ''}` });
    }
    let fit: AmountFit;
    let lines: MatchLine[];
    let paymentAmount = converted.amount;
    const tolerance = fx ? settings.fxTolerance : 0;
    if (converted.amount === total || (fx && withinShare(converted.amount - total, total, tolerance))) {
      fit = 'exact';
      paymentAmount = fx ? total : converted.amount;
      lines = payInOrder(sameCurrency, total);
      reasons.push({ code: 'amount_exact', detail: sameCurrency.length === 1 ? 'amount equals the open amount of the item' : `amount equals the open amount of the ${sameCurrency.length} items` });
    } else if (converted.amount < total && withinShare(total - converted.amount, total, settings.shortPayTolerance)) {
      fit = 'short';
      lines = payInOrder(sameCurrency, converted.amount);
      reasons.push({ code: 'short_payment', detail: `short by ${moneyText(total - converted.amount, currency, context)}; the rest stays open as a deduction` });
    } else if (converted.amount > total) {
      fit = 'over';
      lines = payInOrder(sameCurrency, total);
      reasons.push({ code: 'overpayment', detail: `${moneyText(converted.amount - total, currency, context)} more than the items; the rest stays as unapplied cash` });
    } else {
      const subset = findSubsetSum(sameCurrency.map((item) => item.open), converted.amount);
      if (subset.kind === 'found') {
        fit = 'partial';
        lines = subset.indices.map((index) => {
          const item = sameCurrency[index]!;
          return { itemId: item.itemId, customerId: item.customerId, amount: item.open };
        });
        reasons.push({ code: 'partial_payment', detail: `pays ${lines.length} of the ${sameCurrency.length} items named` });
      } else {
        fit = 'none';
        lines = payInOrder(sameCurrency, converted.amount);
        reasons.push({ code: 'partial_payment', detail: 'amount does not fit the items named; paid oldest first' });
      }
    }
    if (fx) reasons.push({ code: 'fx', detail: `${entry.currency} converted to ${currency} at ${converted.rate}` });
    const identity = candidate.identity === 'none' && own.some(({ item }) => item.customerId !== candidate.customerId) ? 'none' : candidate.identity;
    let confidence = scoreOf(identity, references, fit);
    if (fx) confidence -= 0.03;
    return {
      customerId: candidate.customerId,
      confidence,
      reasons,
      lines,
      paymentCurrency: currency,
      paymentAmount,
      fxRate: fx ? converted.rate : null,
    };
  }

  // No document numbers: the amount must single out the items.
  const pool = (context.itemsByCustomer.get(candidate.customerId) ?? []).filter(
    (item) => item.open > 0n && item.postingDate <= entry.bookingDate,
  );
  const currencies = [...new Set([entry.currency, ...pool.map((item) => item.currency)])];
  for (const currency of currencies) {
    const items = pool.filter((item) => item.currency === currency);
    if (items.length === 0) continue;
    const converted = convertedAmount(entry, currency, context);
    if (converted === null) continue;
    const fx = converted.rate !== null;
    const fitOf = (): { fit: AmountFit; lines: MatchLine[]; paid: bigint } | null => {
      const single = items.filter((item) => item.open === converted.amount);
      if (single.length === 1) {
        return { fit: 'exact', lines: payInOrder(single, converted.amount), paid: converted.amount };
      }
      if (fx) {
        const near = items.filter((item) => withinShare(converted.amount - item.open, item.open, context.settings.fxTolerance));
        if (near.length === 1) return { fit: 'exact', lines: payInOrder(near, near[0]!.open), paid: near[0]!.open };
      }
      const subset = findSubsetSum(items.map((item) => item.open), converted.amount);
      if (subset.kind === 'found') {
        const chosen = subset.indices.map((index) => items[index]!);
        return { fit: subset.prefix ? 'prefix' : 'subset', lines: payInOrder(chosen, converted.amount), paid: converted.amount };
      }
      if (subset.kind === 'ambiguous' || single.length > 1) return { fit: 'ambiguous', lines: [], paid: converted.amount };
      const short = items.filter(
        (item) => item.open > converted.amount && withinShare(item.open - converted.amount, item.open, context.settings.shortPayTolerance),
      );
      if (short.length === 1) return { fit: 'single_short', lines: payInOrder(short, converted.amount), paid: converted.amount };
      return null;
    };
    const result = fitOf();
    if (!result) continue;
    const detail: Record<AmountFit, MatchReason> = {
      exact: { code: 'amount_exact', detail: 'amount equals the open amount of one item' },
      prefix: { code: 'amount_subset', detail: `amount equals the ${result.lines.length} oldest open items` },
      subset: { code: 'amount_subset', detail: `amount equals ${result.lines.length} open items, the only such set` },
      single_short: { code: 'short_payment', detail: 'amount is short of one item within the tolerance; the rest stays open as a deduction' },
      ambiguous: { code: 'ambiguous', detail: 'several sets of open items add up to the amount' },
      short: { code: 'short_payment', detail: '' },
      over: { code: 'overpayment', detail: '' },
      partial: { code: 'partial_payment', detail: '' },
      none: { code: 'unapplied', detail: '' },
    };
    const itemReasons = [...reasons, detail[result.fit]];
    if (fx) itemReasons.push({ code: 'fx', detail: `${entry.currency} converted to ${currency} at ${converted.rate}` });
    return {
      customerId: candidate.customerId,
      confidence: scoreOf(candidate.identity, 'none', result.fit) - (fx ? 0.03 : 0),
      reasons: itemReasons,
      lines: result.lines,
      paymentCurrency: currency,
      paymentAmount: result.paid,
      fxRate: fx ? converted.rate : null,
    };
  }
  return unapplied(candidate.identity);
}

/** Proposes the customer and items an incoming credit pays. */
export function proposeMatch(entry: EntryToMatch, context: MatchContext): MatchProposal {
  const referenced = referencedItems(entry, context);
  const candidates = new Map<bigint, Candidate>();
  const rank: Record<Identity, number> = { account: 5, number: 4, name_strong: 3, group: 2, name_weak: 1, none: 0 };
  const offer = (candidate: Candidate) => {
    const current = candidates.get(candidate.customerId);
    if (!current || rank[candidate.identity] > rank[current.identity]) candidates.set(candidate.customerId, candidate);
  };

  const account = normaliseAccount(entry.counterpartyAccount);
  const learned = account ? context.payerAccounts.get(account) : undefined;
  if (learned) {
    offer({
      customerId: learned.customerId,
      identity: 'account',
      identityDetail: `payer account ${account} was confirmed for ${customerLabel(context, learned.customerId)} ${learned.confirmedCount} time(s)`,
    });
  }
  if (entry.counterpartyName) {
    // Customers often share a name; every close one is evaluated, and the
    // amount decides between them.
    const matches = context.names.search(entry.counterpartyName, weakName);
    const best = matches[0]?.similarity ?? 0;
    for (const match of matches.filter((candidate) => candidate.similarity >= best - 0.1).slice(0, 25)) {
      offer({
        customerId: match.customerId,
        identity: match.similarity >= strongName ? 'name_strong' : 'name_weak',
        identityDetail: `payer name "${entry.counterpartyName}" resembles ${customerLabel(context, match.customerId)} (${match.similarity.toFixed(2)})`,
      });
    }
  }
  const text = [entry.remittance, entry.reference].filter(Boolean).join(' ');
  for (const token of text.split(/[^\p{L}\p{N}-]+/u)) {
    const customerId = context.customersByNumber.get(token.toUpperCase());
    if (customerId !== undefined) {
      offer({ customerId, identity: 'number', identityDetail: `remittance names customer number ${token}` });
    }
  }
  // A payer found by account, name or number may pay for another member of its group.
  const identified = [...candidates.values()];
  for (const { item } of referenced.values()) {
    if (candidates.has(item.customerId)) continue;
    const owner = context.customers.get(item.customerId);
    const payer = identified.find((candidate) => {
      const customer = context.customers.get(candidate.customerId);
      return owner?.groupNumber && customer?.groupNumber === owner.groupNumber;
    });
    offer(
      payer
        ? {
            customerId: item.customerId,
            identity: 'group',
            identityDetail: `${customerLabel(context, payer.customerId)} pays for ${customerLabel(context, item.customerId)} of the same group`,
          }
        : { customerId: item.customerId, identity: 'none', identityDetail: '' },
    );
  }

  // When no customer is named, an amount that equals the open amount of exactly one
  // item in the company makes a proposal for review, never for posting.
  if (candidates.size === 0) {
    const fits = (context.itemsByAmount.get(`${entry.currency}:${entry.amount}`) ?? []).filter(
      (item) => item.open === entry.amount && item.postingDate <= entry.bookingDate,
    );
    if (fits.length === 1) offer({ customerId: fits[0]!.customerId, identity: 'none', identityDetail: '' });
  }

  const evaluations = [...candidates.values()].map((candidate) => evaluate(entry, candidate, referenced, context));
  evaluations.sort((a, b) => b.confidence - a.confidence);
  const best = evaluations[0];
  if (!best || best.confidence <= 0) {
    return {
      entryId: entry.entryId,
      customerId: null,
      confidence: 0,
      reasons: [{ code: 'no_customer', detail: 'no customer found by reference, account, name or number' }],
      lines: [],
      paymentCurrency: entry.currency,
      paymentAmount: entry.amount,
      fxRate: null,
    };
  }
  let confidence = best.confidence;
  const reasons = [...best.reasons];
  // A learned account or a customer number pointing elsewhere, outside the
  // customer's group, weakens the proposal. Names do not count here: many
  // customers share words, and ties between names are caught below.
  const bestGroup = context.customers.get(best.customerId)?.groupNumber ?? null;
  const conflicting = [...candidates.values()].find((candidate) => {
    if (candidate.customerId === best.customerId || rank[candidate.identity] < rank.number) return false;
    const group = context.customers.get(candidate.customerId)?.groupNumber ?? null;
    return bestGroup === null || group !== bestGroup;
  });
  if (conflicting) {
    confidence -= 0.25;
    reasons.push({ code: 'conflict', detail: conflicting.identityDetail });
  }
  // A runner-up that pays the same items (a group member paying for another) is no rival.
  const sameItems = (other: Evaluation) =>
    other.lines.length === best.lines.length && other.lines.every((line, index) => line.itemId === best.lines[index]!.itemId);
  const runnerUp = evaluations.find((evaluation) => evaluation.customerId !== best.customerId && !sameItems(evaluation));
  if (runnerUp && best.confidence - runnerUp.confidence < 0.05) {
    confidence = Math.min(confidence, 0.7);
    reasons.push({ code: 'ambiguous', detail: `${customerLabel(context, runnerUp.customerId)} fits almost as well` });
  }
  return {
    entryId: entry.entryId,
    customerId: best.customerId,
    confidence: Math.max(0, Math.round(confidence * 1000) / 1000),
    reasons,
    lines: best.lines,
    paymentCurrency: best.paymentCurrency,
    paymentAmount: best.paymentAmount,
    fxRate: best.fxRate,
  };
}

/** Inverse of a decimal rate with ten decimals, for a rate stored only the other way round. */
export function inverseRate(rate: string): string {
  const { numerator, denominator } = rateToFraction(rate);
  return formatRatio(denominator, numerator, 10);
}
