/**
 * Worklist ranking on the benchmark ledger: every collector's worklist for
 * every customer, ranked by the one SQL statement per company that the
 * daily job runs. The baseline in the same run fetches the plain rows
 * (items, allocations, disputes, activities, promises, strategies) and
 * ranks them in JavaScript. The run checks that both give the same top
 * entries.
 *
 * The generated ledger has regions but no collectors, risk classes,
 * segments, strategies or collection history. So the set-up adds them
 * deterministically from each customer's position by number:
 * - 25 collectors in turn;
 * - risk classes low, medium, high, very high and none in turn;
 * - every tenth customer in segment KEY, which a rule gives its own strategy;
 * - a call with a follow-up for every 20th customer, a broken promise for every 40th.
 */
import { performance } from 'node:perf_hooks';
import { cliActor } from '../src/auth/actor.js';
import { addRule, parseStrategyFile, saveStrategy } from '../src/collections/strategies.js';
import { amountCapLocal, markWorklistStale, rankWorklist, readWorklist, refreshStaleEntries } from '../src/collections/worklist.js';
import { scoreWeights } from '../src/collections/worklist-sql.js';
import { copyOutputLines } from '../src/db/copy.js';
import type { Db } from '../src/db/types.js';
import { getCompany } from '../src/ledger/index.js';
import type { Company } from '../src/ledger/types.js';
import { toEpochDay, type IsoDate } from '../src/shared/dates.js';
import { formatCount, formatMs, formatTable, measure, measurePair } from './support.js';

export interface WorklistBenchResult {
  customers: number;
  debitItems: number;
  entries: number;
  collectors: number;
  /** Median and fastest of the ranking statement (all collectors, all customers). */
  rankMs: { median: number; min: number };
  /** The JavaScript baseline: fetching the rows, and ranking them. */
  baselineMs: { median: number; min: number; fetchMs: number; computeMs: number };
  /** First page (50 entries) of one collector's list and of everyone's. */
  pageMs: { collector: number; all: number };
  /** Re-ranking 100 customers marked stale by payments. */
  staleRerankMs: number;
  /** Entries compared between the two rankings, and how many differ. */
  compared: number;
  mismatches: string[];
}

const topCompared = 200;

const standardStrategy = {
  code: 'STANDARD',
  name: 'Standard collection',
  isDefault: true,
  steps: [
    { action: 'email_reminder', daysBeforeDue: 5, minAmount: '100.00' },
    { action: 'email_reminder', daysFrom: 1, daysTo: 7 },
    { action: 'call', daysFrom: 8, daysTo: 20, minAmount: '500.00' },
    { action: 'letter', daysFrom: 8, daysTo: 20 },
    { action: 'call', daysFrom: 21, daysTo: 45, riskClass: 'very_high', weight: 20 },
    { action: 'letter', daysFrom: 21, daysTo: 45 },
    { action: 'stop_supply', daysFrom: 46, daysTo: 75, minAmount: '1000.00' },
    { action: 'visit', daysFrom: 46, daysTo: 75 },
    { action: 'legal', daysFrom: 76, minAmount: '5000.00' },
    { action: 'letter', daysFrom: 76 },
  ],
};

const keyStrategy = {
  code: 'KEY',
  name: 'Key accounts',
  steps: [
    { action: 'call', daysBeforeDue: 3, minAmount: '10000.00', weight: 8 },
    { action: 'call', daysFrom: 1, daysTo: 30, weight: 12 },
    { action: 'visit', daysFrom: 31, daysTo: 90, weight: 20 },
    { action: 'legal', daysFrom: 91, weight: 25 },
  ],
};

/** Adds collectors, risk classes, segments, strategies and collection history. */
async function prepare(db: Db, company: Company, endDate: IsoDate): Promise<void> {
  const actor = cliActor();
  await db.query(
    `update customer c set collector = 'Collector ' || lpad(((n.position - 1) % 25 + 1)::text, 2, '0'),
            risk_class = (array['low', 'medium', 'high', 'very_high'])[(n.position - 1) % 5 + 1],
            credit_segment = case when n.position % 10 = 0 then 'KEY' end
     from (select customer_id, row_number() over (order by customer_number) as position from customer where company_id = $1) n
     where c.company_id = $1 and c.customer_id = n.customer_id`,
    [company.companyId],
  );
  await saveStrategy(db, company, parseStrategyFile(standardStrategy, company.currencyExponent), actor);
  await saveStrategy(db, company, parseStrategyFile(keyStrategy, company.currencyExponent), actor);
  await addRule(db, company, { priority: 10, strategyCode: 'KEY', segment: 'KEY' }, actor);
  await db.query(
    `insert into collection_activity (company_id, activity_id, customer_id, kind, activity_date, outcome, follow_up_date, actor)
     select $1, nextval('collection_activity_id_seq'), customer_id, 'call', $2::date - 10, 'no_answer', $2::date - 2, 'bench'
     from (select customer_id, row_number() over (order by customer_number) as position from customer where company_id = $1) n
     where n.position % 20 = 0`,
    [company.companyId, endDate],
  );
  await db.query(
    `insert into promise_to_pay (company_id, promise_id, customer_id, currency, amount, promise_date, promised_date, status,
       decided_date, evaluated_as_of, paid_amount, actor)
     select $1, nextval('promise_id_seq'), customer_id, $3, 100000, $2::date - 40, $2::date - 35, 'broken', $2::date - 32,
            $2::date - 30, 0, 'bench'
     from (select customer_id, row_number() over (order by customer_number) as position from customer where company_id = $1) n
     where n.position % 40 = 0`,
    [company.companyId, endDate, company.currency],
  );
  await db.query('analyze customer');
}

interface HandEntry {
  customerId: bigint;
  customerNumber: string;
  overdueLocal: bigint;
  score: bigint;
}

/** Reads a COPY of `sql` as rows of text columns. */
async function rows(db: Db, sql: string): Promise<string[][]> {
  return copyOutputLines(await db.copyOut(sql)).map((line) => line.split('\t'));
}

const nullText = '\\N';

interface Step {
  action: string;
  daysFrom: number;
  daysTo: number | null;
  minAmount: bigint;
  riskClass: string | null;
  segment: string | null;
  weight: number;
}

/** Fetches the plain rows the baseline ranks, with no aggregation in SQL. */
async function fetchBaselineRows(db: Db, companyId: number, date: IsoDate) {
  const on = `'${date}'::date`;
  return {
    items: await rows(db, `select item_id, customer_id, due_date, amount, amount_local, disputed from open_item where company_id = ${companyId} and amount > 0 and posting_date <= ${on}`),
    allocations: await rows(db, `select debit_item_id, amount, amount_local from allocation where company_id = ${companyId} and allocation_date <= ${on}`),
    disputeItems: await rows(
      db,
      `select l.item_id, l.amount from dispute_item l join dispute d on d.company_id = l.company_id and d.dispute_id = l.dispute_id
       where l.company_id = ${companyId} and d.opened_date <= ${on} and (d.resolved_date is null or d.resolved_date > ${on})`,
    ),
    customers: await rows(db, `select customer_id, customer_number, region, credit_segment, risk_class from customer where company_id = ${companyId}`),
    activities: await rows(db, `select activity_id, customer_id, kind, activity_date, follow_up_date from collection_activity where company_id = ${companyId} and activity_date <= ${on}`),
    promises: await rows(db, `select customer_id, status, promised_date, decided_date from promise_to_pay where company_id = ${companyId}`),
    strategies: await rows(db, `select strategy_id, version, is_default, active from collection_strategy where company_id = ${companyId}`),
    steps: await rows(db, `select strategy_id, version, position, action, days_from, days_to, min_amount_local, risk_class, segment, weight from collection_strategy_step where company_id = ${companyId} order by position`),
    rules: await rows(db, `select priority, strategy_id, segment, risk_class, region from collection_strategy_rule where company_id = ${companyId} order by priority`),
  };
}

const value = (text: string | undefined): string | null => (text === undefined || text === nullText ? null : text);

/** Returns the same day a year earlier, 28 February for 29 February, as PostgreSQL's `date - interval '12 months'` does. */
function sameDayYearBefore(date: IsoDate): IsoDate {
  const year = Number(date.slice(0, 4)) - 1;
  const monthDay = date.slice(5);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return `${String(year).padStart(4, '0')}-${monthDay === '02-29' && !leap ? '02-28' : monthDay}`;
}

/** Rounds a positive fraction to the nearest integer, halves up. */
const roundHalfUp = (numerator: bigint, denominator: bigint) => (2n * numerator + denominator) / (2n * denominator);

type BaselineRows = Awaited<ReturnType<typeof fetchBaselineRows>>;

interface Balance {
  overdue: bigint;
  notDue: bigint;
  /** Epoch day of the oldest due date with an amount not in dispute. */
  oldest: number | null;
}

/** Sums each customer's open debit items, less disputes, as overdue or not yet due. */
function balancesOf(data: BaselineRows, day: number): Map<string, Balance> {
  const cleared = new Map<string, [bigint, bigint]>();
  for (const [item, amount, local] of data.allocations) {
    const sum = cleared.get(item!) ?? [0n, 0n];
    cleared.set(item!, [sum[0] + BigInt(amount!), sum[1] + BigInt(local!)]);
  }
  const disputedByItem = new Map<string, bigint>();
  for (const [item, amount] of data.disputeItems) disputedByItem.set(item!, (disputedByItem.get(item!) ?? 0n) + BigInt(amount!));

  const balances = new Map<string, Balance>();
  for (const [item, customer, due, amountText, localText, disputed] of data.items) {
    const amount = BigInt(amountText!);
    const local = BigInt(localText!);
    const [clearedAmount, clearedLocal] = cleared.get(item!) ?? [0n, 0n];
    if (amount - clearedAmount <= 0n) continue;
    const open = local - clearedLocal;
    const disputedAmount = disputedByItem.get(item!);
    let disputedLocal = 0n;
    if (disputed === 't') disputedLocal = open;
    else if (disputedAmount !== undefined) disputedLocal = roundHalfUp(disputedAmount * local, amount);
    const collectible = open - (disputedLocal < open ? disputedLocal : open);

    const dueDay = toEpochDay(due!);
    const balance = balances.get(customer!) ?? { overdue: 0n, notDue: 0n, oldest: null };
    if (dueDay < day) balance.overdue += collectible;
    else balance.notDue += collectible;
    if (collectible > 0n && (balance.oldest === null || dueDay < balance.oldest)) balance.oldest = dueDay;
    balances.set(customer!, balance);
  }
  return balances;
}

interface ActivityRow {
  id: bigint;
  kind: string;
  day: number;
  followUp: number | null;
}

/** Groups activities by customer, newest first. */
function activitiesOf(data: BaselineRows): Map<string, ActivityRow[]> {
  const activities = new Map<string, ActivityRow[]>();
  for (const [id, customer, kind, activityDate, followUp] of data.activities) {
    const list = activities.get(customer!) ?? [];
    list.push({ id: BigInt(id!), kind: kind!, day: toEpochDay(activityDate!), followUp: value(followUp) === null ? null : toEpochDay(followUp!) });
    activities.set(customer!, list);
  }
  for (const list of activities.values()) list.sort((a, b) => b.day - a.day || (b.id > a.id ? 1 : -1));
  return activities;
}

interface PromiseTasks {
  due: number | null;
  brokenTask: number | null;
  broken: number;
}

/** Finds each customer's open promise due, recent broken promise and broken count. */
function promisesOf(data: BaselineRows, date: IsoDate): Map<string, PromiseTasks> {
  const day = toEpochDay(date);
  const yearAgo = toEpochDay(sameDayYearBefore(date));
  const promises = new Map<string, PromiseTasks>();
  for (const [customer, status, promised, decided] of data.promises) {
    const tasks = promises.get(customer!) ?? { due: null, brokenTask: null, broken: 0 };
    const promisedDay = toEpochDay(promised!);
    if (status === 'open' && promisedDay <= day && (tasks.due === null || promisedDay < tasks.due)) tasks.due = promisedDay;
    if (status === 'broken' && value(decided) !== null) {
      const decidedDay = toEpochDay(decided!);
      if (decidedDay <= day && decidedDay > yearAgo) tasks.broken += 1;
      const recent = decidedDay <= day && decidedDay > day - scoreWeights.brokenTaskDays;
      if (recent && (tasks.brokenTask === null || decidedDay > tasks.brokenTask)) tasks.brokenTask = decidedDay;
    }
    promises.set(customer!, tasks);
  }
  return promises;
}

/** Returns, for a customer, the strategy of the first matching rule or the default, from the fetched rows. */
function strategyPicker(data: BaselineRows) {
  const versionOf = new Map(data.strategies.filter((row) => row[3] === 't').map((row) => [row[0]!, row[1]!]));
  const defaultStrategy = data.strategies.find((row) => row[2] === 't' && row[3] === 't')?.[0] ?? null;
  const stepsOf = new Map<string, Step[]>();
  for (const [strategy, version, , action, from, to, min, risk, segment, weight] of data.steps) {
    if (versionOf.get(strategy!) !== version) continue;
    const list = stepsOf.get(strategy!) ?? [];
    list.push({
      action: action!,
      daysFrom: Number(from),
      daysTo: value(to) === null ? null : Number(to),
      minAmount: BigInt(min!),
      riskClass: value(risk),
      segment: value(segment),
      weight: Number(weight),
    });
    stepsOf.set(strategy!, list);
  }
  const rules = data.rules.filter((rule) => versionOf.has(rule[1]!));
  const matches = (condition: string | undefined, actual: string | null) => value(condition) === null || condition === actual;
  return (segment: string | null, risk: string | null, region: string | null): Step[] => {
    const rule = rules.find((candidate) => matches(candidate[2], segment) && matches(candidate[3], risk) && matches(candidate[4], region));
    const strategy = rule?.[1] ?? defaultStrategy;
    return strategy === null ? [] : (stepsOf.get(strategy) ?? []);
  };
}

/** Returns the weight of the step due and not yet done, or 0. */
function openStepWeight(steps: readonly Step[], balance: Balance, day: number, risk: string | null, segment: string | null, history: readonly ActivityRow[]): number {
  if (balance.oldest === null) return 0;
  const daysPastDue = day - balance.oldest;
  const atStake = daysPastDue > 0 ? balance.overdue : balance.notDue;
  const step = steps.find(
    (candidate) =>
      daysPastDue >= candidate.daysFrom &&
      (candidate.daysTo === null || daysPastDue <= candidate.daysTo) &&
      atStake >= candidate.minAmount &&
      (candidate.riskClass === null || candidate.riskClass === risk) &&
      (candidate.segment === null || candidate.segment === segment),
  );
  if (!step) return 0;
  const since = balance.oldest + step.daysFrom;
  const kind = doneKind[step.action] ?? 'letter';
  const done = history.some((activity) => activity.kind === kind && activity.day >= since && activity.day <= day);
  return done ? 0 : step.weight;
}

const doneKind: Record<string, string> = { email_reminder: 'email', call: 'call', visit: 'visit' };
const riskPoints: Record<string, bigint> = { low: 0n, medium: 500n, high: 1000n, very_high: 1500n };

/** Orders entries by score, then overdue amount, both descending, then customer number. */
function byRank(a: HandEntry, b: HandEntry): number {
  if (a.score !== b.score) return b.score > a.score ? 1 : -1;
  if (a.overdueLocal !== b.overdueLocal) return b.overdueLocal > a.overdueLocal ? 1 : -1;
  return a.customerNumber < b.customerNumber ? -1 : 1;
}

/** Ranks in JavaScript from the fetched rows: the same rules as the SQL, written out another way. */
function rankBaseline(company: Company, date: IsoDate, data: BaselineRows): HandEntry[] {
  const day = toEpochDay(date);
  const balances = balancesOf(data, day);
  const activities = activitiesOf(data);
  const promises = promisesOf(data, date);
  const stepsFor = strategyPicker(data);
  const cap = amountCapLocal(company);

  const entries: HandEntry[] = [];
  for (const [customer, number, region, segmentText, riskText] of data.customers) {
    const segment = value(segmentText);
    const risk = value(riskText);
    const balance = balances.get(customer!) ?? { overdue: 0n, notDue: 0n, oldest: null };
    const history = activities.get(customer!) ?? [];
    const last = history[0];
    const promise = promises.get(customer!) ?? { due: null, brokenTask: null, broken: 0 };
    const noActivitySince = (taskDay: number) => last === undefined || last.day < taskDay;
    const tasks =
      (last?.followUp != null && last.followUp <= day ? 1 : 0) +
      (promise.due !== null && noActivitySince(promise.due) ? 1 : 0) +
      (promise.brokenTask !== null && noActivitySince(promise.brokenTask) ? 1 : 0);
    const stepWeight = openStepWeight(stepsFor(segment, risk, value(region)), balance, day, risk, segment, history);
    if (stepWeight === 0 && tasks === 0) continue;

    const capped = balance.overdue < cap ? balance.overdue : cap;
    const daysPastDue = balance.oldest === null ? 0 : day - balance.oldest;
    const days = BigInt(Math.min(Math.max(daysPastDue, 0), scoreWeights.daysCap));
    const score =
      roundHalfUp(BigInt(scoreWeights.amountMax * 100) * capped, cap) +
      roundHalfUp(BigInt(scoreWeights.daysMax * 100) * days, BigInt(scoreWeights.daysCap)) +
      (risk === null ? 0n : riskPoints[risk]!) +
      BigInt(Math.min(promise.broken, scoreWeights.brokenPromiseCap) * scoreWeights.brokenPromise * 100) +
      BigInt(stepWeight * 100) +
      BigInt(tasks * scoreWeights.task * 100);
    entries.push({ customerId: BigInt(customer!), customerNumber: number!, overdueLocal: balance.overdue, score });
  }
  return entries.sort(byRank);
}

/** Ranks with the baseline, timing the fetch and the JavaScript pass apart. */
async function runBaseline(db: Db, company: Company, date: IsoDate) {
  const started = performance.now();
  const data = await fetchBaselineRows(db, company.companyId, date);
  const fetched = performance.now();
  const entries = rankBaseline(company, date, data);
  return { entries, fetchMs: fetched - started, computeMs: performance.now() - fetched };
}

/**
 * Ranks every collector's worklist on the benchmark company as of
 * `endDate`, against the JavaScript baseline, and times reading pages and
 * re-ranking customers after payments.
 */
export async function runWorklistBench(
  db: Db,
  options: { companyCode: string; endDate: IsoDate; progress: (text: string) => void; repeat?: number },
): Promise<WorklistBenchResult> {
  const actor = cliActor();
  const company = await getCompany(db, options.companyCode);
  const date = options.endDate;
  options.progress('worklist: adding collectors, risk classes, strategies and history');
  await prepare(db, company, date);

  options.progress('worklist: ranking in SQL and in JavaScript');
  const [sql, baseline] = await measurePair(
    options.repeat ?? 3,
    () => rankWorklist(db, company, date, actor),
    () => runBaseline(db, company, date),
  );

  options.progress('worklist: reading pages and re-ranking stale customers');
  const all = await readWorklist(db, company, actor.scope, { date, collectors: null, limit: topCompared, offset: 0 }, actor);
  const collectorPage = await measure(3, () => readWorklist(db, company, actor.scope, { date, collectors: ['Collector 07'], limit: 50, offset: 0 }, actor));
  const allPage = await measure(3, () => readWorklist(db, company, actor.scope, { date, collectors: null, limit: 50, offset: 0 }, actor));
  const stale = await db.query<{ customer_id: bigint }>('select customer_id from customer where company_id = $1 order by customer_number limit 100', [company.companyId]);
  await markWorklistStale(db, company.companyId, { customerIds: stale.rows.map((row) => row.customer_id), fromDate: date });
  const staleStart = performance.now();
  await refreshStaleEntries(db, company);
  const staleRerankMs = performance.now() - staleStart;

  const expected = baseline.result.entries.slice(0, topCompared);
  const mismatches: string[] = [];
  for (const [index, hand] of expected.entries()) {
    const got = all.entries[index];
    const handScore = `${hand.score / 100n}.${String(hand.score % 100n).padStart(2, '0')}`;
    if (!got || got.customerId !== hand.customerId || got.score !== handScore) {
      mismatches.push(`#${index + 1}: SQL ${got?.customerNumber ?? '-'} ${got?.score ?? '-'}, JavaScript ${hand.customerNumber} ${handScore}`);
    }
  }
  if (all.total !== baseline.result.entries.length) {
    mismatches.push(`entries: SQL ${all.total}, JavaScript ${baseline.result.entries.length}`);
  }
  const counts = await db.query<{ customers: number; items: number }>(
    `select (select count(*)::integer from customer where company_id = $1) as customers,
            (select count(*)::integer from open_item where company_id = $1 and amount > 0) as items`,
    [company.companyId],
  );
  return {
    customers: counts.rows[0]!.customers,
    debitItems: counts.rows[0]!.items,
    entries: sql.result.entries,
    collectors: all.collectors.length,
    rankMs: { median: sql.medianMs, min: sql.minMs },
    baselineMs: { median: baseline.medianMs, min: baseline.minMs, fetchMs: baseline.result.fetchMs, computeMs: baseline.result.computeMs },
    pageMs: { collector: collectorPage.medianMs, all: allPage.medianMs },
    staleRerankMs,
    compared: expected.length,
    mismatches,
  };
}

export function printWorklistResults(results: WorklistBenchResult): void {
  console.log(
    `\nWorklist ranking: ${formatCount(results.customers)} customers, ${formatCount(results.debitItems)} debit items, ` +
      `${formatCount(results.entries)} entries for ${results.collectors} collectors`,
  );
  console.log(
    formatTable(
      ['work', 'way', 'median ms', 'min ms'],
      [
        ['rank all collectors', 'one SQL statement', formatMs(results.rankMs.median), formatMs(results.rankMs.min)],
        ['rank all collectors', 'fetch rows + JavaScript', formatMs(results.baselineMs.median), formatMs(results.baselineMs.min)],
        ['  of which fetch', 'last run', formatMs(results.baselineMs.fetchMs), '-'],
        ['  of which JavaScript', 'last run', formatMs(results.baselineMs.computeMs), '-'],
        ['first page, one collector', 'stored ranking', formatMs(results.pageMs.collector), '-'],
        ['first page, everyone', 'stored ranking', formatMs(results.pageMs.all), '-'],
        ['re-rank 100 stale customers', 'SQL, customers filtered', formatMs(results.staleRerankMs), '-'],
      ],
    ),
  );
  console.log(
    results.mismatches.length === 0
      ? `Top ${results.compared} entries agree between SQL and JavaScript.`
      : `${results.mismatches.length} differences in the top ${results.compared}:\n  ${results.mismatches.slice(0, 10).join('\n  ')}`,
  );
}
