/**
 * Dunning proposal on the benchmark ledger: the letters of every customer
 * of the company as of the end date, computed by the set-based query of
 * `proposeDunning`. The baseline in the same run fetches the plain rows
 * once (debit items, allocations, disputes, item levels, recent letters)
 * and computes the same letters in JavaScript. Both must give the same
 * letters, levels and totals.
 *
 * Before timing, the set-up gives the company the example levels of
 * examples/dunning/levels.json when it has none. It also stores and
 * approves a run 20 days before the end date, so the timed proposal caps
 * item levels and charges interest from the last letter.
 */
import { readFile } from 'node:fs/promises';
import { cliActor } from '../src/auth/actor.js';
import type { Actor } from '../src/auth/types.js';
import { loadDunningSettings, setDunningLevels, type DunningLevelsJson, type DunningSettings } from '../src/collections/dunning-levels.js';
import { dunningInterest, interestDays, proposeDunning, type DunningProposal } from '../src/collections/dunning-proposal.js';
import { approveDunningRun, createDunningRun } from '../src/collections/dunning.js';
import { copyOutputLines } from '../src/db/copy.js';
import type { Db } from '../src/db/types.js';
import { getCompany } from '../src/ledger/index.js';
import type { Company } from '../src/ledger/types.js';
import { addDays, fromEpochDay, toEpochDay, type IsoDate } from '../src/shared/dates.js';
import { formatMinor } from '../src/shared/money.js';
import { formatCount, formatMs, formatTable, measurePair } from './support.js';

export interface DunningBenchResult {
  asOf: IsoDate;
  customers: number;
  debitItems: number;
  letters: number;
  items: number;
  /** The approved run stored before timing: its date, letters and store and approve times. */
  priorRun: { asOf: IsoDate; letters: number; createMs: number; approveMs: number };
  proposalMs: { median: number; min: number };
  baselineMs: { median: number; min: number; fetchMs: number; computeMs: number };
  /** Totals of all letters per currency, as decimal text: open amount, interest, fees, total. */
  totals: { currency: string; openAmount: string; interest: string; fee: string; total: string }[];
  /** Differences between the two results; empty when they agree. */
  mismatches: string[];
}

/** A letter reduced to what the two ways must agree on. */
interface LetterKey {
  level: number;
  items: number;
  /** Total per currency, minor units. */
  totals: Map<string, bigint>;
}

async function prepare(db: Db, company: Company, asOf: IsoDate, progress: (text: string) => void): Promise<DunningBenchResult['priorRun']> {
  const settings = await loadDunningSettings(db, company.companyId);
  if (settings.levels.length === 0) {
    const file = new URL('../examples/dunning/levels.json', import.meta.url);
    await setDunningLevels(db, company.companyId, JSON.parse(await readFile(file, 'utf8')) as DunningLevelsJson, cliActor());
  }
  const priorAsOf = addDays(asOf, -20);
  progress(`dunning: storing and approving a run as of ${priorAsOf}`);
  let start = performance.now();
  const run = await createDunningRun(db, company, priorAsOf, cliActor());
  const createMs = performance.now() - start;
  const approver: Actor = { userId: null, email: 'bench-approver@ardesk.invalid', role: 'admin', scope: cliActor().scope, via: 'cli' };
  start = performance.now();
  await approveDunningRun(db, run!.runId, approver);
  return { asOf: priorAsOf, letters: run!.letters.length, createMs, approveMs: performance.now() - start };
}

function rows(text: string): string[][] {
  return copyOutputLines(text).map((line) => line.split('\t'));
}

interface Fetched {
  items: string[][];
  debits: string[][];
  credits: string[][];
  disputed: Set<string>;
  levels: Map<string, { level: number; date: IsoDate }>;
  recent: Map<string, number>;
}

/** Reads the rows the baseline needs, each table once, through COPY. */
async function fetchRows(db: Db, companyId: number, asOf: IsoDate, settings: DunningSettings): Promise<Fetched> {
  const id = Math.trunc(companyId);
  const [items, debits, credits, disputes, levels, recent] = await Promise.all([
    db.copyOut(
      `select item_id, customer_id, document_number, due_date, currency, amount from open_item
             where company_id = ${id} and amount > 0 and not disputed and posting_date <= '${asOf}'`,
    ),
    db.copyOut(`select debit_item_id, amount from allocation where company_id = ${id} and allocation_date <= '${asOf}'`),
    db.copyOut(`select credit_item_id, credit_amount from allocation where company_id = ${id} and allocation_date <= '${asOf}'`),
    db.copyOut(
      `select l.item_id from dispute_item l join dispute d on d.company_id = l.company_id and d.dispute_id = l.dispute_id
             where l.company_id = ${id} and d.opened_date <= '${asOf}' and (d.resolved_date is null or d.resolved_date > '${asOf}')`,
    ),
    db.copyOut(`select item_id, level, last_dunned_date from dunning_item where company_id = ${id}`),
    db.copyOut(
      `select l.customer_id, l.level from dunning_letter l join dunning_run r on r.company_id = l.company_id and r.run_id = l.run_id
             where l.company_id = ${id} and r.status = 'approved' and l.status <> 'dropped'
               and r.as_of <= '${asOf}' and r.as_of > '${addDays(asOf, -settings.minIntervalDays)}'`,
    ),
  ]);
  const recentLevels = new Map<string, number>();
  for (const [customer, level] of rows(recent)) recentLevels.set(customer!, Math.max(recentLevels.get(customer!) ?? 0, Number(level)));
  return {
    items: rows(items),
    debits: rows(debits),
    credits: rows(credits),
    disputed: new Set(rows(disputes).map((row) => row[0]!)),
    levels: new Map(rows(levels).map(([item, level, date]) => [item!, { level: Number(level), date: date! }])),
    recent: recentLevels,
  };
}

/** Sums allocated amounts per item id. */
function sumByItem(pairs: readonly string[][]): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const [item, amount] of pairs) sums.set(item!, (sums.get(item!) ?? 0n) + BigInt(amount!));
  return sums;
}

/** Applies the proposal's rules to the fetched rows in JavaScript. */
function computeLetters(fetched: Fetched, asOf: IsoDate, settings: DunningSettings): Map<string, LetterKey> {
  const asOfDay = toEpochDay(asOf);
  const firstMin = settings.levels[0]!.minDaysPastDue;
  const debited = sumByItem(fetched.debits);
  const credited = sumByItem(fetched.credits);
  const byCustomer = new Map<string, { item: string; dueDay: number; currency: string; open: bigint; level: number; lastDate: IsoDate | null }[]>();
  for (const [item, customer, , due, currency, amount] of fetched.items) {
    const dueDay = toEpochDay(due!);
    const days = asOfDay - dueDay;
    if (days < firstMin || fetched.disputed.has(item!)) continue;
    const open = BigInt(amount!) - (debited.get(item!) ?? 0n) + (credited.get(item!) ?? 0n);
    if (open <= 0n) continue;
    let byDays = 0;
    for (const level of settings.levels) if (days >= level.minDaysPastDue) byDays = level.level;
    const last = fetched.levels.get(item!);
    const list = byCustomer.get(customer!) ?? [];
    list.push({ item: item!, dueDay, currency: currency!.trim(), open, level: Math.min(byDays, (last?.level ?? 0) + 1), lastDate: last?.date ?? null });
    byCustomer.set(customer!, list);
  }
  const letters = new Map<string, LetterKey>();
  for (const [customer, items] of byCustomer) {
    items.sort((a, b) => a.dueDay - b.dueDay || (BigInt(a.item) < BigInt(b.item) ? -1 : 1));
    const level = settings.levels[items[0]!.level - 1]!;
    if ((fetched.recent.get(customer) ?? 0) >= level.level) continue;
    const totals = new Map<string, bigint>();
    for (const entry of items) {
      const interest = dunningInterest(entry.open, level.interestRate, interestDays(asOf, fromEpochDay(entry.dueDay), entry.lastDate));
      totals.set(entry.currency, (totals.get(entry.currency) ?? 0n) + entry.open + interest);
    }
    const fee = level.fees.get(items[0]!.currency) ?? 0n;
    if (fee > 0n) totals.set(items[0]!.currency, (totals.get(items[0]!.currency) ?? 0n) + fee);
    letters.set(customer, { level: level.level, items: items.length, totals });
  }
  return letters;
}

function proposalKeys(proposal: DunningProposal): Map<string, LetterKey> {
  return new Map(
    proposal.letters.map((letter) => [
      letter.customerId.toString(),
      { level: letter.level, items: letter.items.length, totals: new Map(letter.totals.map((total) => [total.currency, total.total])) },
    ]),
  );
}

function compare(sql: Map<string, LetterKey>, baseline: Map<string, LetterKey>): string[] {
  const mismatches: string[] = [];
  if (sql.size !== baseline.size) mismatches.push(`letters: SQL ${sql.size}, JavaScript ${baseline.size}`);
  for (const [customer, letter] of sql) {
    const other = baseline.get(customer);
    const same =
      other !== undefined &&
      other.level === letter.level &&
      other.items === letter.items &&
      other.totals.size === letter.totals.size &&
      [...letter.totals].every(([currency, total]) => other.totals.get(currency) === total);
    if (!same && mismatches.length < 20) mismatches.push(`customer ${customer}: SQL ${JSON.stringify(describe(letter))}, JavaScript ${JSON.stringify(other && describe(other))}`);
  }
  return mismatches;
}

function describe(letter: LetterKey) {
  return { level: letter.level, items: letter.items, totals: Object.fromEntries([...letter.totals].map(([currency, total]) => [currency, total.toString()])) };
}

/**
 * Times the dunning proposal over every customer of the company as of
 * `endDate` against the JavaScript baseline, after the set-up described
 * at the top of this file, and checks that both agree.
 */
export async function runDunningBench(
  db: Db,
  options: { companyCode: string; endDate: IsoDate; progress: (text: string) => void; repeat?: number },
): Promise<DunningBenchResult> {
  const company = await getCompany(db, options.companyCode);
  const asOf = options.endDate;
  options.progress('dunning: setting up levels and a prior approved run');
  const priorRun = await prepare(db, company, asOf, options.progress);
  const settings = await loadDunningSettings(db, company.companyId);

  options.progress('dunning: proposal in SQL and in JavaScript');
  let fetchMs = 0;
  let computeMs = 0;
  const [sql, baseline] = await measurePair(
    options.repeat ?? 3,
    () => proposeDunning(db, company, asOf),
    async () => {
      let start = performance.now();
      const fetched = await fetchRows(db, company.companyId, asOf, settings);
      fetchMs = performance.now() - start;
      start = performance.now();
      const letters = computeLetters(fetched, asOf, settings);
      computeMs = performance.now() - start;
      return { letters, debitItems: fetched.items.length };
    },
  );
  const counts = await db.query<{ customers: number }>('select count(*)::integer as customers from customer where company_id = $1', [company.companyId]);
  const proposal = sql.result;
  return {
    asOf,
    customers: Number(counts.rows[0]!.customers),
    debitItems: baseline.result.debitItems,
    letters: proposal.letters.length,
    items: proposal.letters.reduce((sum, letter) => sum + letter.items.length, 0),
    priorRun,
    proposalMs: { median: sql.medianMs, min: sql.minMs },
    baselineMs: { median: baseline.medianMs, min: baseline.minMs, fetchMs, computeMs },
    totals: proposal.totals.map((total) => ({
      currency: total.currency,
      openAmount: formatMinor(total.openAmount, total.exponent),
      interest: formatMinor(total.interest, total.exponent),
      fee: formatMinor(total.fee, total.exponent),
      total: formatMinor(total.total, total.exponent),
    })),
    mismatches: compare(proposalKeys(proposal), baseline.result.letters),
  };
}

export function printDunningResults(result: DunningBenchResult): void {
  console.log(
    `\nDunning proposal as of ${result.asOf}: ${formatCount(result.customers)} customers, ${formatCount(result.debitItems)} debit items posted by then, ` +
      `${formatCount(result.letters)} letters with ${formatCount(result.items)} items`,
  );
  console.log(
    `prior run as of ${result.priorRun.asOf}: ${formatCount(result.priorRun.letters)} letters, stored in ${formatMs(result.priorRun.createMs)} ms, ` +
      `approved in ${formatMs(result.priorRun.approveMs)} ms`,
  );
  console.log(
    formatTable(
      ['work', 'way', 'median ms', 'min ms'],
      [
        ['propose all customers', 'set-based SQL', formatMs(result.proposalMs.median), formatMs(result.proposalMs.min)],
        ['propose all customers', 'fetch rows + JavaScript', formatMs(result.baselineMs.median), formatMs(result.baselineMs.min)],
        ['  of which fetch', 'last run', formatMs(result.baselineMs.fetchMs), '-'],
        ['  of which JavaScript', 'last run', formatMs(result.baselineMs.computeMs), '-'],
      ],
    ),
  );
  console.log(formatTable(['currency', 'open amount', 'interest', 'fees', 'total'], result.totals.map((total) => [total.currency, total.openAmount, total.interest, total.fee, total.total])));
  console.log(result.mismatches.length === 0 ? 'SQL and JavaScript agree on every letter.' : `MISMATCHES:\n${result.mismatches.join('\n')}`);
}
