/**
 * Cash application on the benchmark ledger: generated statements with a
 * stated noise mix are stored and matched, and the outcome is scored
 * against the truth the generator kept. The baseline in the same run is
 * the rule most ERPs start with: post a line when the remittance contains
 * a document number exactly as issued and the amount equals that item's
 * open amount.
 */
import { performance } from 'node:perf_hooks';
import { cliActor } from '../src/auth/actor.js';
import { addBankAccount } from '../src/cash/accounts.js';
import { applyCash } from '../src/cash/apply.js';
import { storeBankFile } from '../src/cash/statements.js';
import type { Db } from '../src/db/types.js';
import { generateBankStatements, noiseKinds, type GeneratedLine, type NoiseKind } from '../src/demo/bank-statements.js';
import { openItemsAsOfSql } from '../src/ledger/balances.js';
import { getCompany, setFxRate } from '../src/ledger/index.js';
import { copyOutputLines } from '../src/db/copy.js';
import { addDays, type IsoDate } from '../src/shared/dates.js';

export interface CashBenchResult {
  lines: number;
  counts: Record<NoiseKind, number>;
  generateMs: number;
  storeMs: number;
  matchMs: number;
  linesPerSecond: number;
  autoPosted: number;
  unapplied: number;
  review: number;
  suspense: number;
  /** Lines posted without review whose allocations touch an item the payer did not pay. */
  wrongAutoPosts: number;
  wrongExamples: string[];
  /** A few lines of each kind that were not posted, with the proposal's confidence and reasons. */
  missedExamples: string[];
  autoByKind: Record<NoiseKind, number>;
  baseline: { autoPosted: number; wrong: number; ms: number };
}

interface OpenItem {
  documentNumber: string;
  customerNumber: string;
  open: bigint;
  dueDate: IsoDate;
  postingDate: IsoDate;
}

async function loadOpenItems(db: Db, companyId: number, asOf: IsoDate): Promise<OpenItem[]> {
  const text = await db.copyOut(
    `select o.document_number, c.customer_number, o.open_amount, o.due_date, o.posting_date
     from (${openItemsAsOfSql(String(companyId), `'${asOf}'::date`)}) o
     join customer c on c.company_id = o.company_id and c.customer_id = o.customer_id
     where o.amount > 0 and o.open_amount > 0
     order by o.item_id`,
  );
  return copyOutputLines(text).map((line) => {
    const [documentNumber, customerNumber, open, dueDate, postingDate] = line.split('\t');
    return { documentNumber: documentNumber!, customerNumber: customerNumber!, open: BigInt(open!), dueDate: dueDate!, postingDate: postingDate! };
  });
}

/** The exact-reference rule: a document number as issued plus its exact open amount. */
function baselineMatch(generated: ReturnType<typeof generateBankStatements>, items: readonly OpenItem[]): { autoPosted: number; wrong: number; ms: number } {
  const started = performance.now();
  const byNumber = new Map(items.map((item) => [item.documentNumber, item]));
  let autoPosted = 0;
  let wrong = 0;
  for (const line of generated.lines) {
    const statement = generated.file.statements[line.statement === 'home' ? 0 : 1]!;
    const entry = statement.entries[line.entryNumber - 1]!;
    if (statement.currency !== 'USD' || !entry.remittance) continue;
    const cents = BigInt(entry.amount.replace('.', ''));
    const hit = (entry.remittance.match(/\d+/g) ?? []).map((token) => byNumber.get(token)).find((item) => item && item.open === cents);
    if (!hit) continue;
    autoPosted += 1;
    if (!line.payments.some((payment) => payment.documentNumber === hit.documentNumber)) wrong += 1;
  }
  return { autoPosted, wrong, ms: performance.now() - started };
}

/** Allocations of each posted bank entry, by statement and entry number. */
async function postedAllocations(db: Db): Promise<Map<string, string[]>> {
  const text = await db.copyOut(
    `select s.statement_ref, e.entry_number, d.document_number
     from bank_entry e
     join bank_statement s on s.company_id = e.company_id and s.statement_id = e.statement_id
     join cash_match m on m.company_id = e.company_id and m.entry_id = e.entry_id and m.auto_posted
     join (
       -- The payment of the payer itself, and those of group members it paid for.
       select company_id, item_id, split_part(erp_key, ':', 2)::bigint as entry_id
       from open_item where kind = 'payment' and erp_key like 'BANK:%'
     ) p on p.company_id = e.company_id and p.entry_id = e.entry_id
     join allocation a on a.company_id = p.company_id and a.credit_item_id = p.item_id
     join open_item d on d.company_id = a.company_id and d.item_id = a.debit_item_id
     where s.statement_ref like 'GEN-%'`,
  );
  const result = new Map<string, string[]>();
  for (const line of copyOutputLines(text)) {
    const [ref, entryNumber, documentNumber] = line.split('\t');
    const key = `${ref}#${entryNumber}`;
    const list = result.get(key) ?? [];
    list.push(documentNumber!);
    result.set(key, list);
  }
  return result;
}

export async function runCashBench(
  db: Db,
  options: { companyCode: string; lines: number; endDate: IsoDate; progress: (text: string) => void },
): Promise<CashBenchResult> {
  const actor = cliActor();
  const company = await getCompany(db, options.companyCode);
  const bookingDate = addDays(options.endDate, 3);
  await addBankAccount(db, company, { bank: 'Bench Bank', accountNumber: 'US00BENCH0000000001', currency: 'USD' }, actor);
  await addBankAccount(db, company, { bank: 'Bench Euro Bank', accountNumber: 'DE00BENCH0000000002', currency: 'EUR' }, actor);
  await setFxRate(db, 'EUR', 'USD', options.endDate, '1.0825');

  options.progress('cash application: generating statements');
  const generateStart = performance.now();
  const items = await loadOpenItems(db, company.companyId, bookingDate);
  const customers = await db.query<{ customer_number: string; name: string; group_number: string | null }>(
    'select customer_number, name, group_number from customer where company_id = $1',
    [company.companyId],
  );
  const generated = generateBankStatements(
    items.map((item) => ({ ...item, currency: 'USD' })),
    customers.rows.map((row) => ({ customerNumber: row.customer_number, name: row.name, groupNumber: row.group_number })),
    {
      lines: options.lines,
      bookingDate,
      seed: 29,
      homeAccount: 'US00BENCH0000000001',
      homeCurrency: 'USD',
      foreignAccount: 'DE00BENCH0000000002',
      foreignCurrency: 'EUR',
      foreignRate: '1.0825',
    },
  );
  // Accounts learned in earlier months.
  await db.query(
    `insert into payer_account (company_id, account, customer_id, confirmed_count)
     select c.company_id, t.account, c.customer_id, 2
     from unnest($2::text[], $3::text[]) as t(account, customer_number)
     join customer c on c.company_id = $1 and c.customer_number = t.customer_number
     on conflict do nothing`,
    [company.companyId, generated.knownAccounts.map((known) => known.account), generated.knownAccounts.map((known) => known.customerNumber)],
  );
  const generateMs = performance.now() - generateStart;
  const baseline = baselineMatch(generated, items);

  options.progress('cash application: storing statements');
  const storeStart = performance.now();
  const stored = await storeBankFile(db, generated.file, { sha256: `bench-${bookingDate}` }, actor);
  const storeMs = performance.now() - storeStart;

  options.progress('cash application: matching and posting');
  const matchStart = performance.now();
  const applied = await applyCash(db, company, actor, {
    entryIds: stored.newCredits.get(company.companyId) ?? [],
    progress: (done, total) => options.progress(`cash application: matched ${done} of ${total}`),
  });
  const matchMs = performance.now() - matchStart;

  const posted = await postedAllocations(db);
  const refOf = (line: GeneratedLine) => `GEN-${bookingDate}-${line.statement === 'home' ? 'H' : 'F'}#${line.entryNumber}`;
  const autoByKind = Object.fromEntries(noiseKinds.map((kind) => [kind, 0])) as Record<NoiseKind, number>;
  let wrongAutoPosts = 0;
  const wrongExamples: string[] = [];
  const missedExamples: string[] = [];
  const missedPerKind = new Map<NoiseKind, number>();
  for (const line of generated.lines) {
    const documents = posted.get(refOf(line));
    if (!documents) {
      const seen = missedPerKind.get(line.kind) ?? 0;
      if (line.kind !== 'unknown' && seen < 3) {
        missedPerKind.set(line.kind, seen + 1);
        missedExamples.push(`${line.kind} ${refOf(line)}`);
      }
      continue;
    }
    autoByKind[line.kind] += 1;
    const truth = new Set(line.payments.map((payment) => payment.documentNumber));
    const stray = documents.filter((document) => !truth.has(document));
    if (stray.length > 0) {
      wrongAutoPosts += 1;
      if (wrongExamples.length < 5) wrongExamples.push(`${line.kind} ${refOf(line)}: paid ${stray.join(', ')}, truth ${[...truth].join(', ')}`);
    }
  }
  return {
    lines: generated.lines.length,
    counts: generated.counts,
    generateMs,
    storeMs,
    matchMs,
    linesPerSecond: (generated.lines.length / (storeMs + matchMs)) * 1000,
    autoPosted: applied.autoPosted,
    unapplied: applied.unapplied,
    review: applied.review,
    suspense: applied.suspense,
    wrongAutoPosts,
    wrongExamples,
    missedExamples: await describeMissed(db, missedExamples),
    autoByKind,
    baseline,
  };
}

async function describeMissed(db: Db, examples: readonly string[]): Promise<string[]> {
  const described: string[] = [];
  for (const example of examples) {
    const [kind, key] = example.split(' ');
    const [ref, entryNumber] = key!.split('#');
    const row = await db.query<{ confidence: string; reasons: unknown }>(
      `select m.confidence::text as confidence, m.reasons from bank_entry e
       join bank_statement s on s.company_id = e.company_id and s.statement_id = e.statement_id
       join cash_match m on m.company_id = e.company_id and m.entry_id = e.entry_id
       where s.statement_ref = $1 and e.entry_number = $2`,
      [ref!, Number(entryNumber)],
    );
    const found = row.rows[0];
    const reasons = typeof found?.reasons === 'string' ? (JSON.parse(found.reasons) as { code: string }[]) : ((found?.reasons ?? []) as { code: string }[]);
    described.push(`${kind} ${key}: confidence ${found?.confidence ?? '-'}, ${reasons.map((reason) => reason.code).join(' ')}`);
  }
  return described;
}

export function printCashResults(engine: string, result: CashBenchResult): void {
  const share = (count: number, total: number) => (total === 0 ? '-' : `${((count / total) * 100).toFixed(1)}%`);
  process.stdout.write(
    `\nCash application on ${engine}: ${result.lines} statement lines (mix: ${noiseKinds
      .map((kind) => `${kind} ${share(result.counts[kind], result.lines)}`)
      .join(', ')})\n`,
  );
  const rows = [
    ['ardesk matcher', share(result.autoPosted, result.lines), String(result.wrongAutoPosts), String(result.review), String(result.suspense), (result.storeMs / 1000).toFixed(2), (result.matchMs / 1000).toFixed(2), Math.round(result.linesPerSecond).toString()],
    ['exact reference rule (baseline)', share(result.baseline.autoPosted, result.lines), String(result.baseline.wrong), '', '', '', (result.baseline.ms / 1000).toFixed(2), ''],
  ];
  const header = ['matcher', 'posted to items', 'wrong posts', 'review', 'suspense', 'store s', 'match s', 'lines/s'];
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => row[index]!.length)));
  const format = (row: string[]) => row.map((cell, index) => (index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join('  ');
  process.stdout.write(`${format(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}\n${rows.map(format).join('\n')}\n`);
  process.stdout.write(
    `Posted to items by kind: ${noiseKinds.map((kind) => `${kind} ${share(result.autoByKind[kind], result.counts[kind])}`).join(', ')}; ${result.unapplied} posted as unapplied cash\n`,
  );
  for (const example of result.wrongExamples) process.stdout.write(`  wrong: ${example}\n`);
  for (const example of result.missedExamples) process.stdout.write(`  not posted: ${example}\n`);
}
