/**
 * Hostile cases for dunning, worklists and contacts, each on a company of
 * its own so that one case's approved runs do not change another's
 * levels.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { startLocalSmtp, type LocalSmtp } from '../../test/helpers/smtp.js';
import { cliActor } from '../auth/actor.js';
import { ForbiddenError } from '../auth/errors.js';
import { unrestricted, type Actor } from '../auth/types.js';
import { postReceipts } from '../cash/posting.js';
import { allocate, applyImport, getCompany, reverseAllocation, type OpenItemInput } from '../ledger/index.js';
import type { Company, CustomerInput } from '../ledger/types.js';
import { importContacts, listContacts, setContact } from './contacts.js';
import { openDispute } from './disputes.js';
import { setDunningLevels, type DunningLevelsJson } from './dunning-levels.js';
import { dunningInterest, proposeDunning } from './dunning-proposal.js';
import { sendDunningRun } from './dunning-send.js';
import { approveDunningRun, createDunningRun, dropDunningLetter, loadDunningRun } from './dunning.js';
import { parseStrategyFile, saveStrategy } from './strategies.js';
import { rankWorklist, readWorklist } from './worklist.js';

let db: TestDb;
let smtp: LocalSmtp;
let sequence = 0;
const levelsFile = JSON.parse(await readFile(new URL('../../examples/dunning/levels.json', import.meta.url), 'utf8')) as DunningLevelsJson;

const collector: Actor = { userId: 31, email: 'collector@adv.example', role: 'collector', scope: unrestricted, via: 'session' };
const manager: Actor = { userId: 32, email: 'manager@adv.example', role: 'credit_manager', scope: unrestricted, via: 'session' };
const northCollector: Actor = { userId: 33, email: 'north@adv.example', role: 'collector', scope: { companyIds: null, regions: ['NORTH'] }, via: 'session' };

function invoice(customer: string, document: string, dueDate: string, amount: bigint, currency = 'KWD'): OpenItemInput {
  return { customerNumber: customer, kind: 'invoice', documentNumber: document, erpKey: document, documentDate: '2025-12-01', postingDate: '2025-12-01', dueDate, currency, amount };
}

/** Imports a company of its own and returns it with the ids of its customers and items. */
async function seedCompany(
  code: string,
  currency: string,
  customers: CustomerInput[],
  items: OpenItemInput[],
): Promise<{ company: Company; ids: Map<string, bigint> }> {
  sequence += 1;
  await applyImport(db, { kind: 'test', file: `${code}.csv`, sha256: `adv-${code}-${sequence}` }, [
    { company: { code, name: `Company ${code}`, currency }, customers, items, allocations: [], rowCount: items.length },
  ]);
  const company = await getCompany(db, code);
  const rows = await db.query<{ customer_number: string; customer_id: bigint; item_id: bigint | null; document_number: string | null }>(
    `select c.customer_number, c.customer_id, i.item_id, i.document_number
     from customer c left join open_item i on i.company_id = c.company_id and i.customer_id = c.customer_id
     where c.company_id = $1`,
    [company.companyId],
  );
  const ids = new Map<string, bigint>();
  for (const row of rows.rows) {
    ids.set(row.customer_number, row.customer_id);
    if (row.document_number !== null) ids.set(row.document_number, row.item_id!);
  }
  return { company, ids };
}

/** Imports a payment that clears `amount` of an invoice on a date, as an ERP export would. */
async function importPayment(company: Company, customer: string, invoiceKey: string, key: string, date: string, amount: bigint, currency = 'KWD'): Promise<void> {
  sequence += 1;
  await applyImport(db, { kind: 'test', file: `${key}.csv`, sha256: `adv-pay-${key}-${sequence}` }, [
    {
      company: { code: company.code, name: company.name, currency: company.currency },
      customers: [{ customerNumber: customer, name: customer }],
      items: [{ customerNumber: customer, kind: 'payment', documentNumber: key, erpKey: key, documentDate: date, postingDate: date, dueDate: date, currency, amount: -amount }],
      allocations: [{ creditErpKey: key, debitErpKey: invoiceKey, allocationDate: date, amount }],
      rowCount: 1,
    },
  ]);
}

beforeAll(async () => {
  db = await openTestDb();
  smtp = await startLocalSmtp();
});

afterAll(async () => {
  await smtp.close();
  await db.close();
});

describe('dunning money', () => {
  it('interest rounds exact halves up', () => {
    // 15 minor units at 10 % for 365 days is 1.5, and 25 is 2.5.
    expect(dunningInterest(15n, '0.1', 365)).toBe(2n);
    expect(dunningInterest(25n, '0.1', 365)).toBe(3n);
    // 14 minor units give 1.4.
    expect(dunningInterest(14n, '0.1', 365)).toBe(1n);
    // 10^20 minor units at 8 % for 19 days: 10^20 × 152 / 36,500 = 416,438,356,164,383,561.64…
    expect(dunningInterest(10n ** 20n, '0.08', 19)).toBe(416_438_356_164_383_562n);
  });

  it('charges the fee in the oldest item currency', async () => {
    const { company } = await seedCompany('ADV-MC', 'KWD', [{ customerNumber: 'M1', name: 'Multi' }], [
      { ...invoice('M1', 'MC-USD', '2026-01-10', 12_345n, 'USD'), amountLocal: 3_790n, fxRate: '0.307' },
      invoice('M1', 'MC-KWD', '2026-01-20', 1_000_000n),
      { ...invoice('M1', 'MC-JPY', '2026-02-01', 5_000n, 'JPY'), amountLocal: 10_000n, fxRate: '0.002' },
    ]);
    await setDunningLevels(db, company.companyId, levelsFile, manager);
    const proposal = await proposeDunning(db, company, '2026-02-15');
    const letter = proposal.letters[0]!;
    // Oldest item is USD, never dunned: level 1, fee 10.00 USD.
    expect(letter.level).toBe(1);
    expect(letter.feeCurrency).toBe('USD');
    expect(letter.fee).toBe(1_000n);
    const totals = new Map(letter.totals.map((total) => [total.currency, total]));
    expect(totals.get('USD')!.total).toBe(12_345n + 1_000n);
    expect(totals.get('KWD')!.total).toBe(1_000_000n);
    expect(totals.get('JPY')!.total).toBe(5_000n);
    expect(totals.get('JPY')!.fee).toBe(0n);
  });

  it('uses the ledger as of the date for payments and reversals', async () => {
    const { company, ids } = await seedCompany('ADV-PAY', 'KWD', [{ customerNumber: 'P1', name: 'Payer' }], [invoice('P1', 'PAY-1', '2026-01-01', 900_000n)]);
    await setDunningLevels(db, company.companyId, levelsFile, manager);
    await importPayment(company, 'P1', 'PAY-1', 'PAY-R1', '2026-02-10', 400_000n);
    const before = await proposeDunning(db, company, '2026-02-09');
    expect(before.letters[0]!.items[0]!.openAmount).toBe(900_000n);
    const after = await proposeDunning(db, company, '2026-02-10');
    expect(after.letters[0]!.items[0]!.openAmount).toBe(500_000n);

    const allocation = await db.query<{ allocation_id: bigint }>('select allocation_id from allocation where company_id = $1 and debit_item_id = $2', [
      company.companyId,
      ids.get('PAY-1')!,
    ]);
    await db.transaction((tx) => reverseAllocation(tx, company.companyId, allocation.rows[0]!.allocation_id, '2026-02-20', 'bounced'));
    expect((await proposeDunning(db, company, '2026-02-19')).letters[0]!.items[0]!.openAmount).toBe(500_000n);
    expect((await proposeDunning(db, company, '2026-02-20')).letters[0]!.items[0]!.openAmount).toBe(900_000n);
  });

  it('counts disputes open on the as-of date only', async () => {
    const { company, ids } = await seedCompany('ADV-DSP', 'KWD', [{ customerNumber: 'D1', name: 'Disputer' }], [invoice('D1', 'DSP-1', '2026-01-01', 100_000n)]);
    await setDunningLevels(db, company.companyId, levelsFile, manager);
    await openDispute(db, company.companyId, { customerId: ids.get('D1')!, reason: 'price', department: 'sales', date: '2026-02-15', items: [{ itemId: ids.get('DSP-1')!, amount: 1_000n }] }, cliActor());
    // Opened after the as-of date: the item is still dunned.
    expect((await proposeDunning(db, company, '2026-02-14')).letters).toHaveLength(1);
    // Open on the as-of date: the whole item is left out.
    expect((await proposeDunning(db, company, '2026-02-15')).letters).toHaveLength(0);
  });
});

describe('dunning levels file', () => {
  const level = levelsFile.levels[0]!;
  const second = levelsFile.levels[1]!;

  it('rejects gaps, duplicate days, bad fees and rates', async () => {
    const { company } = await seedCompany('ADV-LVL', 'KWD', [{ customerNumber: 'L1', name: 'Levels' }], []);
    const cases: [DunningLevelsJson, RegExp][] = [
      [{ levels: [level, { ...second, level: 3 }] }, /levels\[1\]\.level 3/],
      [{ levels: [level, { ...second, minDaysPastDue: level.minDaysPastDue }] }, /levels\[1\]\.minDaysPastDue/],
      [{ levels: [{ ...level, fees: { KWD: '-1.000' } }] }, /fees\.KWD.*negative/],
      [{ levels: [{ ...level, fees: { KWD: '99999999999999999999' } }] }, /fees\.KWD.*too large/],
      [{ levels: [{ ...level, fees: { JPY: '10.5' } }] }, /fees\.JPY.*more than 0 decimal/],
      [{ levels: [{ ...level, fees: { XXX: '1' } }] }, /unknown currency/],
      [{ levels: [{ ...level, interestRate: '1' }] }, /interestRate "1"/],
      [{ levels: [{ ...level, interestRate: '0,08' }] }, /interestRate "0,08"/],
      [{ levels: [{ ...level, interestRate: '-0.1' }] }, /interestRate "-0.1"/],
      [{ levels: [{ ...level, minDaysPastDue: 0 }] }, /minDaysPastDue 0/],
      [{ minIntervalDays: -1, levels: [level] }, /minIntervalDays -1/],
    ];
    for (const [input, message] of cases) {
      await expect(setDunningLevels(db, company.companyId, input, manager)).rejects.toThrow(message);
    }
    const stored = await db.query('select 1 from dunning_level where company_id = $1', [company.companyId]);
    expect(stored.rows).toHaveLength(0);
  });

  it('rejects an unknown Arabic placeholder', async () => {
    const { company } = await seedCompany('ADV-TPL', 'KWD', [{ customerNumber: 'T1', name: 'Template' }], []);
    const body = 'السادة {اسم_العميل} المحترمين\n{items}';
    const input: DunningLevelsJson = { levels: [{ ...level, texts: { en: level.texts.en, ar: { subject: level.texts.ar!.subject, body } } }] };
    await expect(setDunningLevels(db, company.companyId, input, manager)).rejects.toThrow(/unknown placeholder/);
  });
});

describe('dunning runs', () => {
  it('approves one letter per customer and date', async () => {
    const { company, ids } = await seedCompany('ADV-TWO', 'KWD', [{ customerNumber: 'W1', name: 'Twice' }], [invoice('W1', 'TWO-1', '2026-01-01', 100_000n)]);
    await setDunningLevels(db, company.companyId, levelsFile, manager);
    const first = (await createDunningRun(db, company, '2026-03-01', collector))!;
    const second = (await createDunningRun(db, company, '2026-03-01', collector))!;
    await approveDunningRun(db, first.runId, manager);
    await approveDunningRun(db, second.runId, manager).catch(() => undefined);
    const approved = await db.query<{ letter_id: bigint }>(
      `select l.letter_id from dunning_letter l join dunning_run r on r.company_id = l.company_id and r.run_id = l.run_id
       where l.company_id = $1 and l.customer_id = $2 and r.status = 'approved' and l.status = 'approved'`,
      [company.companyId, ids.get('W1')!],
    );
    expect(approved.rows).toHaveLength(1);
  });

  it('proposes as of a past date from the dunning history then', async () => {
    const { company } = await seedCompany('ADV-PAST', 'KWD', [{ customerNumber: 'H1', name: 'History' }], [invoice('H1', 'PAST-1', '2026-01-01', 1_000_000n)]);
    await setDunningLevels(db, company.companyId, levelsFile, manager);
    const march1 = (await createDunningRun(db, company, '2026-03-01', collector))!;
    await approveDunningRun(db, march1.runId, manager);
    const march20 = (await createDunningRun(db, company, '2026-03-20', collector))!;
    expect(march20.letters[0]!.level).toBe(2);
    await approveDunningRun(db, march20.runId, manager);

    // As of 2026-03-16 the item had reached level 1 on 2026-03-01, so it may rise to level 2 only.
    // Interest at 8 % from 2026-03-01 for 15 days: 1,000.000 × 0.08 × 15 / 365 = 3.28767… → 3.288 KWD.
    const proposal = await proposeDunning(db, company, '2026-03-16');
    const item = proposal.letters[0]!.items[0]!;
    expect(item.level).toBe(2);
    expect(item.interestDays).toBe(15);
    expect(item.interest).toBe(3_288n);
  });

  it('approves a run whose letters are all dropped without levels', async () => {
    const { company, ids } = await seedCompany('ADV-DROP', 'KWD', [{ customerNumber: 'X1', name: 'Dropped' }], [invoice('X1', 'DROP-1', '2026-01-01', 100_000n)]);
    await setDunningLevels(db, company.companyId, levelsFile, manager);
    const run = (await createDunningRun(db, company, '2026-03-01', collector))!;
    await dropDunningLetter(db, run.runId, run.letters[0]!.letterId, 'paid by phone', collector);
    const approved = await approveDunningRun(db, run.runId, manager);
    expect(approved.status).toBe('approved');
    const levels = await db.query('select 1 from dunning_item where company_id = $1 and item_id = $2', [company.companyId, ids.get('DROP-1')!]);
    expect(levels.rows).toHaveLength(0);
    await expect(dropDunningLetter(db, run.runId, run.letters[0]!.letterId, 'late', collector)).rejects.toThrow(/only before approval/);
  });

  it('refuses approval by the creator under another case of the email', async () => {
    const { company } = await seedCompany('ADV-EYES', 'KWD', [{ customerNumber: 'E1', name: 'Eyes' }], [invoice('E1', 'EYES-1', '2026-01-01', 100_000n)]);
    await setDunningLevels(db, company.companyId, levelsFile, manager);
    const byCli: Actor = { userId: null, email: 'Manager@ADV.example', role: 'credit_manager', scope: unrestricted, via: 'cli' };
    const run = (await createDunningRun(db, company, '2026-03-01', manager))!;
    await expect(approveDunningRun(db, run.runId, byCli)).rejects.toBeInstanceOf(ForbiddenError);
    const sameId: Actor = { ...manager, email: 'renamed@adv.example' };
    await expect(approveDunningRun(db, run.runId, sameId)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await loadDunningRun(db, run.runId)).status).toBe('proposed');
  });

  it('refuses sending by a region-limited collector', async () => {
    const { company, ids } = await seedCompany('ADV-SCOPE', 'KWD', [
      { customerNumber: 'N1', name: 'North One', region: 'NORTH' },
      { customerNumber: 'S1', name: 'South One', region: 'SOUTH' },
    ], [invoice('N1', 'SC-N1', '2026-01-01', 100_000n), invoice('S1', 'SC-S1', '2026-01-01', 200_000n)]);
    await setDunningLevels(db, company.companyId, levelsFile, manager);
    await setContact(db, company.companyId, { customerId: ids.get('S1')!, email: 'ap@south.example' }, cliActor());
    await expect(createDunningRun(db, company, '2026-03-01', northCollector)).rejects.toBeInstanceOf(ForbiddenError);
    const run = (await createDunningRun(db, company, '2026-03-01', collector))!;
    await expect(approveDunningRun(db, run.runId, { ...manager, scope: { companyIds: null, regions: ['NORTH'] } })).rejects.toBeInstanceOf(ForbiddenError);
    await approveDunningRun(db, run.runId, manager);
    const before = smtp.messages.length;
    await expect(sendDunningRun(db, run.runId, northCollector, { mail: { url: smtp.url, from: 'ar@adv.example' } })).rejects.toBeInstanceOf(ForbiddenError);
    expect(smtp.messages.length).toBe(before);
  });

  it('mails the text that was approved', async () => {
    const { company, ids } = await seedCompany('ADV-TEXT', 'KWD', [{ customerNumber: 'AR1', name: 'Arabic' }], [invoice('AR1', 'TEXT-1', '2026-01-01', 100_000n)]);
    await setDunningLevels(db, company.companyId, levelsFile, manager);
    await setContact(db, company.companyId, { customerId: ids.get('AR1')!, email: 'ap@arabic.example', language: 'ar' }, cliActor());
    const run = (await createDunningRun(db, company, '2026-03-01', collector))!;
    await approveDunningRun(db, run.runId, manager);
    const first = levelsFile.levels[0]!;
    const changed = { ...first, texts: { en: first.texts.en, ar: { subject: 'نص جديد {customerNumber}', body: first.texts.ar!.body } } };
    await setDunningLevels(db, company.companyId, { levels: [changed] }, manager);
    const before = smtp.messages.length;
    await sendDunningRun(db, run.runId, collector, { mail: { url: smtp.url, from: 'ar@adv.example' } });
    expect(smtp.messages.length).toBe(before + 1);
    // The approved level 1 subject in Arabic, filled with the customer number.
    expect(smtp.messages.at(-1)!.parsed.subject).toBe('تذكير بالسداد: حساب رقم AR1');
  });

  it('approves once when two approvals race', async () => {
    const { company } = await seedCompany('ADV-RACE', 'KWD', [{ customerNumber: 'A1', name: 'Race' }], [invoice('A1', 'RACE-1', '2026-01-01', 100_000n)]);
    await setDunningLevels(db, company.companyId, levelsFile, manager);
    const run = (await createDunningRun(db, company, '2026-03-01', collector))!;
    const other: Actor = { ...manager, userId: 34, email: 'manager2@adv.example' };
    const results = await Promise.allSettled([approveDunningRun(db, run.runId, manager), approveDunningRun(db, run.runId, other)]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
    const events = await db.query('select 1 from audit_event where action = $1 and entity_id = $2', ['dunning.approve', run.runId.toString()]);
    expect(events.rows).toHaveLength(1);
  });

  it('leaves no item level when a drop races approval', async () => {
    const { company, ids } = await seedCompany('ADV-RACE2', 'KWD', [{ customerNumber: 'A1', name: 'Race' }], [invoice('A1', 'RACE2-1', '2026-01-01', 100_000n)]);
    await setDunningLevels(db, company.companyId, levelsFile, manager);
    const run = (await createDunningRun(db, company, '2026-03-01', collector))!;
    const [drop] = await Promise.allSettled([
      dropDunningLetter(db, run.runId, run.letters[0]!.letterId, 'customer paid', collector),
      approveDunningRun(db, run.runId, manager),
    ]);
    const letter = (await loadDunningRun(db, run.runId)).letters[0]!;
    const levels = await db.query('select 1 from dunning_item where company_id = $1 and item_id = $2', [company.companyId, ids.get('RACE2-1')!]);
    // Either the drop came first (dropped, no level) or the approval did (approved, level recorded, drop refused).
    if (drop.status === 'fulfilled') {
      expect(letter.status).toBe('dropped');
      expect(levels.rows).toHaveLength(0);
    } else {
      expect(letter.status).toBe('approved');
      expect(levels.rows).toHaveLength(1);
    }
  });

  it('keeps letters failed when the mail server is down, then retries', async () => {
    const { company, ids } = await seedCompany('ADV-SMTP', 'KWD', [{ customerNumber: 'Q1', name: 'Quiet' }], [invoice('Q1', 'SMTP-1', '2026-01-01', 100_000n)]);
    await setDunningLevels(db, company.companyId, levelsFile, manager);
    await setContact(db, company.companyId, { customerId: ids.get('Q1')!, email: 'ap@quiet.example' }, cliActor());
    const run = (await createDunningRun(db, company, '2026-03-01', collector))!;
    await approveDunningRun(db, run.runId, manager);
    // Port 9 (discard) on loopback: nothing listens there, so the connection is refused.
    const down = await sendDunningRun(db, run.runId, collector, { mail: { url: 'smtp://127.0.0.1:9', from: 'ar@adv.example' } });
    expect(down.failed).toBe(1);
    const failed = (await loadDunningRun(db, run.runId)).letters[0]!;
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/ECONNREFUSED|connect/i);
    const mail = await db.query<{ status: string }>('select status from outbound_mail where company_id = $1', [company.companyId]);
    expect(mail.rows.map((row) => row.status)).toEqual(['failed']);
    const retry = await sendDunningRun(db, run.runId, collector, { mail: { url: smtp.url, from: 'ar@adv.example' } });
    expect(retry.sent).toBe(1);
    expect((await loadDunningRun(db, run.runId)).letters[0]!.status).toBe('sent');
  });
});

describe('contacts', () => {
  it('rejects malformed addresses', async () => {
    const { company, ids } = await seedCompany('ADV-MAIL', 'KWD', [{ customerNumber: 'C1', name: 'Contact' }], []);
    for (const email of ['ap,ops@c1.example', 'ap@c1.example;x', 'ap@.example', 'ap@c1..example', 'ap@']) {
      await expect(setContact(db, company.companyId, { customerId: ids.get('C1')!, email }, cliActor()), email).rejects.toThrow(/invalid email/);
    }
  });

  it('imports nothing when one row is bad', async () => {
    const { company, ids } = await seedCompany('ADV-CSV', 'KWD', [{ customerNumber: 'C1', name: 'One' }, { customerNumber: 'C2', name: 'Two' }], []);
    const good = { line: 2, customerNumber: 'C1', purpose: '', email: 'ap@one.example', name: '', language: 'ar' };
    await expect(importContacts(db, company.companyId, 'c.csv', [good, { ...good, line: 3, customerNumber: 'C9' }], cliActor())).rejects.toThrow(/line 3/);
    await expect(importContacts(db, company.companyId, 'c.csv', [good, { ...good, line: 3, email: 'other@one.example' }], cliActor())).rejects.toThrow(/second collections contact/);
    expect(await listContacts(db, company.companyId, ids.get('C1')!)).toHaveLength(0);
    expect(await importContacts(db, company.companyId, 'c.csv', [good, { ...good, line: 3, customerNumber: ' C2 ' }], cliActor())).toBe(2);
    expect((await listContacts(db, company.companyId, ids.get('C2')!))[0]!.language).toBe('ar');
  });
});

describe('worklist re-rank', () => {
  const strategy = { code: 'ADV', name: 'Adversarial', isDefault: true, steps: [{ action: 'call', daysFrom: 1, minAmount: '1.000', weight: 10 }] };

  async function worklistCompany(code: string) {
    const seeded = await seedCompany(code, 'KWD', [
      { customerNumber: 'R1', name: 'Ranked One' },
      { customerNumber: 'R2', name: 'Ranked Two' },
    ], [invoice('R1', `${code}-1`, '2026-03-01', 50_000n), invoice('R2', `${code}-2`, '2026-03-01', 50_000n)]);
    await saveStrategy(db, seeded.company, parseStrategyFile(strategy, seeded.company.currencyExponent), manager);
    await rankWorklist(db, seeded.company, '2026-03-31', manager);
    return seeded;
  }

  const read = async (company: Company) => readWorklist(db, company, unrestricted, { date: '2026-03-31', collectors: null, limit: 50, offset: 0 }, manager);

  it('ranks ties by customer number and adds up the parts', async () => {
    const { company } = await worklistCompany('ADV-WT');
    const page = await read(company);
    expect(page.entries.map((entry) => entry.customerNumber)).toEqual(['R1', 'R2']);
    for (const entry of page.entries) {
      const cents = Object.values(entry.parts).reduce((sum, part) => sum + BigInt(part.replace('.', '')), 0n);
      expect(cents).toBe(BigInt(entry.score.replace('.', '')));
    }
  });

  it('leaves out credit-only and disputed-only customers', async () => {
    const { company } = await worklistCompany('ADV-WC');
    sequence += 1;
    await applyImport(db, { kind: 'test', file: 'wc.csv', sha256: `adv-wc-${sequence}` }, [
      {
        company: { code: company.code, name: company.name, currency: 'KWD' },
        customers: [
          { customerNumber: 'CR', name: 'Credit Only' },
          { customerNumber: 'DS', name: 'Disputed Only' },
        ],
        items: [
          { customerNumber: 'CR', kind: 'credit_note', documentNumber: 'WC-CN', erpKey: 'WC-CN', documentDate: '2026-01-01', postingDate: '2026-01-01', dueDate: '2026-01-01', currency: 'KWD', amount: -70_000n },
          { ...invoice('DS', 'WC-DS', '2026-01-01', 70_000n), disputed: true },
        ],
        allocations: [],
        rowCount: 2,
      },
    ]);
    await rankWorklist(db, company, '2026-03-31', manager);
    expect((await read(company)).entries.map((entry) => entry.customerNumber)).toEqual(['R1', 'R2']);
  });

  it('drops a customer paid through receipt posting', async () => {
    const { company, ids } = await worklistCompany('ADV-WR');
    await db.transaction((tx) =>
      postReceipts(tx, company, [
        { customerId: ids.get('R1')!, erpKey: 'ADV-WR-PAY', documentNumber: 'ADV-WR-PAY', date: '2026-03-20', currency: 'KWD', amount: 50_000n, allocations: [{ itemId: ids.get('ADV-WR-1')!, amount: 50_000n }] },
      ]),
    );
    expect((await read(company)).entries.map((entry) => entry.customerNumber)).toEqual(['R2']);
  });

  it('drops a customer paid through an ERP import', async () => {
    const { company } = await worklistCompany('ADV-WI');
    await importPayment(company, 'R1', 'ADV-WI-1', 'ADV-WI-PAY', '2026-03-20', 50_000n);
    expect((await read(company)).entries.map((entry) => entry.customerNumber)).toEqual(['R2']);
  });

  it('drops a customer paid through a manual allocation', async () => {
    const { company } = await worklistCompany('ADV-WA');
    sequence += 1;
    await applyImport(db, { kind: 'test', file: 'cn.csv', sha256: `adv-cn-${sequence}` }, [
      {
        company: { code: company.code, name: company.name, currency: 'KWD' },
        customers: [{ customerNumber: 'R1', name: 'Ranked One' }],
        items: [{ customerNumber: 'R1', kind: 'credit_note', documentNumber: 'ADV-WA-CN', erpKey: 'ADV-WA-CN', documentDate: '2026-02-01', postingDate: '2026-02-01', dueDate: '2026-02-01', currency: 'KWD', amount: -50_000n }],
        allocations: [],
        rowCount: 1,
      },
    ]);
    await read(company);
    await db.transaction((tx) => allocate(tx, company.companyId, { creditErpKey: 'ADV-WA-CN', debitErpKey: 'ADV-WA-1', allocationDate: '2026-03-20', amount: 50_000n }));
    expect((await read(company)).entries.map((entry) => entry.customerNumber)).toEqual(['R2']);
  });
});
