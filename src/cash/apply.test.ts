import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { cliActor } from '../auth/actor.js';
import { applyImport, getCompany, setFxRate, type Company, type OpenItemInput } from '../ledger/index.js';
import { companyName } from '../demo/company-names.js';
import { SeededRandom } from '../demo/random.js';
import { generateBankStatements, payerAccountOf, type GeneratedStatements } from '../demo/bank-statements.js';
import type { ParsedBankFile } from '../bank/statement.js';
import { addBankAccount } from './accounts.js';
import { applyCash, type CashApplicationResult } from './apply.js';
import { confirmMatch, listReview, rejectMatch } from './review.js';
import { storeBankFile } from './statements.js';

let db: TestDb;
let company: Company;
const actor = cliActor();
const customerCount = 80;

function customerNumber(index: number): string {
  return `C${String(index + 1).padStart(5, '0')}`;
}

beforeAll(async () => {
  db = await openTestDb();
  const random = new SeededRandom(5);
  const customers = Array.from({ length: customerCount }, (_, index) => ({
    customerNumber: customerNumber(index),
    name: index === 0 ? 'Nordic Steel Ltd' : index === 1 ? 'Nordic Steel Trading GmbH' : companyName(random, index),
    groupNumber: index >= 10 && index < 14 ? 'G1' : null,
    region: index % 2 === 0 ? 'North' : 'South',
  }));
  const items: OpenItemInput[] = [];
  customers.forEach((customer, index) => {
    for (let k = 0; k < 6; k += 1) {
      const documentNumber = String(4_100_000_000 + index * 10 + k);
      items.push({
        customerNumber: customer.customerNumber,
        kind: 'invoice',
        documentNumber,
        erpKey: documentNumber,
        documentDate: `2026-0${1 + (k % 5)}-1${k}`,
        postingDate: `2026-0${1 + (k % 5)}-1${k}`,
        dueDate: `2026-0${2 + (k % 5)}-1${k}`,
        currency: 'USD',
        // Distinct amounts, so that only the true items add up to a payment.
        amount: BigInt(100_000 + index * 7_919 + k * 104_729 + random.int(0, 99)),
      });
    }
  });
  await applyImport(db, { kind: 'test', file: 'cash.csv', sha256: 'cash' }, [
    { company: { code: 'CASH', currency: 'USD' }, customers, items, allocations: [], rowCount: items.length },
  ]);
  company = await getCompany(db, 'CASH');
  await setFxRate(db, 'EUR', 'USD', '2026-06-01', '1.0825');
  await addBankAccount(db, company, { bank: 'First Bank', accountNumber: 'US00 HOME 0001', currency: 'USD', glCode: '1100' }, actor);
  await addBankAccount(db, company, { bank: 'Euro Bank', accountNumber: 'DE00EURO0001', currency: 'EUR' }, actor);
});
afterAll(async () => {
  await db.close();
});

async function openItems(): Promise<{ documentNumber: string; customerNumber: string; open: bigint; dueDate: string; postingDate: string }[]> {
  const result = await db.query<{ document_number: string; customer_number: string; open: bigint; due_date: string; posting_date: string }>(
    `select i.document_number, c.customer_number, i.due_date, i.posting_date,
            (i.amount - coalesce((select sum(a.amount) from allocation a where a.company_id = i.company_id and a.debit_item_id = i.item_id), 0))::bigint as open
     from open_item i join customer c using (company_id, customer_id)
     where i.company_id = $1 and i.kind = 'invoice'`,
    [company.companyId],
  );
  return result.rows.map((row) => ({
    documentNumber: row.document_number,
    customerNumber: row.customer_number,
    open: row.open,
    dueDate: row.due_date,
    postingDate: row.posting_date,
  }));
}

/** A statement of hand-written credits to the home account. */
function statement(id: string, entries: { amount: string; remittance?: string; name?: string; account?: string }[]): ParsedBankFile {
  return {
    file: `${id}.xml`,
    type: 'camt053',
    warnings: [],
    statements: [
      {
        account: 'US00HOME0001',
        currency: 'USD',
        statementId: id,
        openingBalance: null,
        closingBalance: null,
        openingDate: '2026-06-10',
        closingDate: '2026-06-10',
        line: 1,
        entries: entries.map((entry, index) => ({
          bookingDate: '2026-06-10',
          valueDate: '2026-06-10',
          amount: entry.amount,
          reference: null,
          remittance: entry.remittance ?? null,
          counterpartyName: entry.name ?? null,
          counterpartyAccount: entry.account ?? null,
          bankCode: null,
          line: index + 2,
        })),
      },
    ],
  };
}

async function importAndApply(file: ParsedBankFile): Promise<CashApplicationResult> {
  const stored = await storeBankFile(db, file, { sha256: file.file }, actor);
  return applyCash(db, company, actor, { entryIds: stored.newCredits.get(company.companyId) ?? [] });
}

async function allocationsOf(entryNumber: number, statementRef: string): Promise<{ documentNumber: string; amount: bigint }[]> {
  const result = await db.query<{ document_number: string; amount: bigint }>(
    `select d.document_number, sum(a.amount)::bigint as amount
     from bank_entry e
     join bank_statement s on s.company_id = e.company_id and s.statement_id = e.statement_id
     join open_item p on p.company_id = e.company_id
       and (p.erp_key = 'BANK:' || e.entry_id or p.erp_key like 'BANK:' || e.entry_id || ':%')
     join allocation a on a.company_id = p.company_id and a.credit_item_id = p.item_id
     join open_item d on d.company_id = a.company_id and d.item_id = a.debit_item_id
     where s.statement_ref = $1 and e.entry_number = $2
     group by d.document_number order by d.document_number`,
    [statementRef, entryNumber],
  );
  return result.rows.map((row) => ({ documentNumber: row.document_number, amount: row.amount }));
}

describe('cash application, known answers', () => {
  it('posts an exact reference with its amount', async () => {
    const items = await openItems();
    const target = items.find((item) => item.documentNumber === '4100000203')!;
    const result = await importAndApply(statement('K1', [{ amount: (Number(target.open) / 100).toFixed(2), remittance: `Invoice INV-${target.documentNumber}` }]));
    expect(result.autoPosted).toBe(1);
    expect(await allocationsOf(1, 'K1')).toEqual([{ documentNumber: '4100000203', amount: target.open }]);
  });

  it('finds a mistyped reference by amount', async () => {
    const items = await openItems();
    const target = items.find((item) => item.documentNumber === '4100000312')!;
    // Two neighbouring digits swapped.
    const result = await importAndApply(statement('K2', [{ amount: (Number(target.open) / 100).toFixed(2), remittance: 'Inv 4100003012' }]));
    expect(result.proposals[0]!.reasons.map((reason) => reason.code)).toContain('reference_typo');
    expect(result.proposals[0]!.lines.map((line) => line.amount)).toEqual([target.open]);
  });

  it('pays the oldest items of a known payer without reference', async () => {
    const items = (await openItems()).filter((item) => item.customerNumber === customerNumber(20) && item.open > 0n);
    items.sort((a, b) => (a.dueDate < b.dueDate ? -1 : 1));
    const total = items[0]!.open + items[1]!.open;
    const payer = payerAccountOf(customerNumber(20));
    await db.query(
      `insert into payer_account (company_id, account, customer_id, confirmed_count)
       select company_id, $2, customer_id, 3 from customer where company_id = $1 and customer_number = $3`,
      [company.companyId, payer, customerNumber(20)],
    );
    const result = await importAndApply(statement('K3', [{ amount: (Number(total) / 100).toFixed(2), account: payer, remittance: 'PAYMENT' }]));
    expect(result.autoPosted).toBe(1);
    expect((await allocationsOf(1, 'K3')).map((line) => line.documentNumber)).toEqual([items[0]!.documentNumber, items[1]!.documentNumber].sort());
  });

  it('leaves a short payment open as a deduction', async () => {
    const items = await openItems();
    const target = items.find((item) => item.documentNumber === '4100000404')!;
    const paid = target.open - target.open / 50n;
    const result = await importAndApply(statement('K4', [{ amount: (Number(paid) / 100).toFixed(2), remittance: `4100000404`, name: 'x' }]));
    const proposal = result.proposals[0]!;
    expect(proposal.reasons.map((reason) => reason.code)).toContain('short_payment');
    if (proposal.confidence >= 0.9) {
      const after = (await openItems()).find((item) => item.documentNumber === '4100000404')!;
      expect(after.open).toBe(target.open - paid);
    } else {
      expect(result.review).toBe(1);
    }
  });

  it('converts a payment in euros', async () => {
    const items = await openItems();
    const target = items.find((item) => item.documentNumber === '4100000501')!;
    // Euros that buy the invoice's dollars at 1.0825, rounded to the cent.
    const euros = (target.open * 10_000n * 2n + 10_825n) / (10_825n * 2n);
    const file: ParsedBankFile = {
      ...statement('K5', [{ amount: (Number(euros) / 100).toFixed(2), remittance: 'Invoice 4100000501' }]),
    };
    file.statements[0]!.account = 'DE00EURO0001';
    file.statements[0]!.currency = 'EUR';
    const result = await importAndApply(file);
    const proposal = result.proposals[0]!;
    expect(proposal.paymentCurrency).toBe('USD');
    expect(proposal.reasons.map((reason) => reason.code)).toContain('fx');
    expect(proposal.lines).toEqual([expect.objectContaining({ amount: target.open })]);
  });

  it('puts money nobody can place in suspense', async () => {
    const result = await importAndApply(statement('K6', [{ amount: '12.34', name: 'TAX REFUND OFFICE', remittance: 'Refund' }]));
    expect(result.suspense).toBe(1);
    const queue = await listReview(db, actor, { status: 'suspense', company });
    expect(queue.entries.map((entry) => entry.counterpartyName)).toContain('TAX REFUND OFFICE');
  });

  it('does not auto-post when name and amount disagree', async () => {
    // Customers 1 and 2 are "Nordic Steel Ltd" and "Nordic Steel Trading GmbH":
    // the name fits the first, the amount an item of the second.
    const items = await openItems();
    const target = items.find((item) => item.customerNumber === customerNumber(1) && item.open > 0n)!;
    const result = await importAndApply(statement('K7', [{ amount: (Number(target.open) / 100).toFixed(2), name: 'NORDIC STEEL' }]));
    expect(result.autoPosted).toBe(0);
  });
});

describe('review queue', () => {
  it('confirms a proposal with a split and learns the account', async () => {
    const items = (await openItems()).filter((item) => item.customerNumber === customerNumber(30) && item.open > 0n);
    const amount = items[0]!.open + 1000n;
    const account = 'NL99REVW0000000030';
    const result = await importAndApply(statement('R1', [{ amount: (Number(amount) / 100).toFixed(2), name: 'unknown payer', account }]));
    expect(result.autoPosted).toBe(0);
    const entryId = result.proposals[0]!.entryId;
    const customerId = (await db.query<{ customer_id: bigint }>('select customer_id from customer where customer_number = $1', [customerNumber(30)])).rows[0]!.customer_id;
    const ids = await db.query<{ item_id: bigint; document_number: string }>(
      'select item_id, document_number from open_item where document_number = any($1::text[])',
      [[items[0]!.documentNumber, items[1]!.documentNumber]],
    );
    const idOf = new Map(ids.rows.map((row) => [row.document_number, row.item_id]));
    // Split: the first item in full, 10.00 to the second.
    await confirmMatch(db, company, entryId, actor, {
      customerId,
      lines: [
        { itemId: idOf.get(items[0]!.documentNumber)!, amount: items[0]!.open },
        { itemId: idOf.get(items[1]!.documentNumber)!, amount: 1000n },
      ],
    });
    const after = await openItems();
    expect(after.find((item) => item.documentNumber === items[0]!.documentNumber)!.open).toBe(0n);
    expect(after.find((item) => item.documentNumber === items[1]!.documentNumber)!.open).toBe(items[1]!.open - 1000n);
    const learned = await db.query<{ customer_id: bigint }>('select customer_id from payer_account where account = $1', [account]);
    expect(learned.rows[0]!.customer_id).toBe(customerId);
    const audit = await db.query<{ count: bigint }>("select count(*)::bigint as count from audit_event where action = 'cash.confirm' and entity_id = $1", [entryId.toString()]);
    expect(audit.rows[0]!.count).toBe(1n);
  });

  it('rejects confirming twice and a proposal moves to suspense on rejection', async () => {
    const posted = await db.query<{ entry_id: bigint }>("select entry_id from bank_entry where status = 'posted' limit 1");
    await expect(confirmMatch(db, company, posted.rows[0]!.entry_id, actor)).rejects.toThrow(/only entries in review/);
    const result = await importAndApply(statement('R2', [{ amount: '77.77', name: 'Nordic Steel Trading' }]));
    const entryId = result.proposals[0]!.entryId;
    if (result.review === 1) {
      expect((await rejectMatch(db, company, entryId, actor, 'not a customer payment')).status).toBe('suspense');
    }
    expect((await rejectMatch(db, company, entryId, actor, 'bank interest')).status).toBe('ignored');
  });
});

describe('cash application on generated statements', () => {
  let generated: GeneratedStatements;
  let result: CashApplicationResult;

  beforeAll(async () => {
    const customers = await db.query<{ customer_number: string; name: string; group_number: string | null }>(
      'select customer_number, name, group_number from customer where company_id = $1',
      [company.companyId],
    );
    generated = generateBankStatements(
      (await openItems()).map((item) => ({ ...item, currency: 'USD' })),
      customers.rows.map((row) => ({ customerNumber: row.customer_number, name: row.name, groupNumber: row.group_number })),
      {
        lines: 120,
        bookingDate: '2026-06-12',
        seed: 3,
        homeAccount: 'US00HOME0001',
        homeCurrency: 'USD',
        foreignAccount: 'DE00EURO0001',
        foreignCurrency: 'EUR',
        foreignRate: '1.0825',
      },
    );
    await db.query(
      `insert into payer_account (company_id, account, customer_id, confirmed_count)
       select c.company_id, t.account, c.customer_id, 2
       from unnest($2::text[], $3::text[]) as t(account, customer_number)
       join customer c on c.company_id = $1 and c.customer_number = t.customer_number
       on conflict do nothing`,
      [company.companyId, generated.knownAccounts.map((known) => known.account), generated.knownAccounts.map((known) => known.customerNumber)],
    );
    result = await importAndApply(generated.file);
  });

  it('posts no payment to a wrong item', async () => {
    const wrong: string[] = [];
    for (const line of generated.lines) {
      const ref = line.statement === 'home' ? 'GEN-2026-06-12-H' : 'GEN-2026-06-12-F';
      const allocations = await allocationsOf(line.entryNumber, ref);
      const truth = new Set(line.payments.map((payment) => payment.documentNumber));
      for (const allocation of allocations) {
        if (!truth.has(allocation.documentNumber)) wrong.push(`${line.kind} line ${line.entryNumber}: ${allocation.documentNumber}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('auto-matches most lines', () => {
    expect(result.entries).toBe(generated.lines.length);
    const automatic = result.autoPosted + result.unapplied;
    expect(automatic / result.entries).toBeGreaterThan(0.8);
  });

  it('keeps every entry status consistent with its proposal', async () => {
    const statuses = await db.query<{ status: string; count: bigint }>(
      `select e.status, count(*)::bigint as count from bank_entry e
       join bank_statement s on s.company_id = e.company_id and s.statement_id = e.statement_id
       where s.statement_ref like 'GEN-%' group by e.status`,
    );
    const byStatus = Object.fromEntries(statuses.rows.map((row) => [row.status, Number(row.count)]));
    expect(byStatus.posted ?? 0).toBe(result.autoPosted);
    expect(byStatus.review ?? 0).toBe(result.review);
    expect(byStatus.suspense ?? 0).toBe(result.suspense);
    for (const line of generated.lines.filter((candidate) => candidate.kind === 'unknown')) {
      const ref = line.statement === 'home' ? 'GEN-2026-06-12-H' : 'GEN-2026-06-12-F';
      expect(await allocationsOf(line.entryNumber, ref)).toEqual([]);
    }
  });

  it('stores a statement once', async () => {
    const again = await storeBankFile(db, generated.file, { sha256: 'again' }, actor);
    expect(again.statements.every((stored) => stored.statementId === null)).toBe(true);
    expect(again.newCredits.size).toBe(0);
  });
});
