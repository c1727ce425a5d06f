import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { startLocalSmtp, type LocalSmtp } from '../../test/helpers/smtp.js';
import { cliActor } from '../auth/actor.js';
import { ForbiddenError } from '../auth/errors.js';
import { unrestricted, type Actor } from '../auth/types.js';
import { applyImport, ensureCompany, getCompany, type OpenItemInput } from '../ledger/index.js';
import type { Company } from '../ledger/types.js';
import { setContact } from './contacts.js';
import { openDispute } from './disputes.js';
import { loadDunningSettings, setDunningLevels, type DunningLevelsJson } from './dunning-levels.js';
import { dunningInterest, proposeDunning, type DunningLetterProposal } from './dunning-proposal.js';
import { sendDunningRun } from './dunning-send.js';
import { approveDunningRun, createDunningRun, customerDunningHistory, dropDunningLetter, loadDunningRun } from './dunning.js';
import { runDailyJobs } from '../jobs/scheduler.js';

let db: TestDb;
let smtp: LocalSmtp;
let folder: string;
let kw: Company;
let jp: Company;
const ids = new Map<string, bigint>();
const levelsFile = JSON.parse(await readFile(new URL('../../examples/dunning/levels.json', import.meta.url), 'utf8')) as DunningLevelsJson;

const collector: Actor = { userId: 11, email: 'collector@ardesk.example', role: 'collector', scope: unrestricted, via: 'session' };
const manager: Actor = { userId: 12, email: 'manager@ardesk.example', role: 'credit_manager', scope: unrestricted, via: 'session' };
const finance: Actor = { userId: 13, email: 'finance@ardesk.example', role: 'finance', scope: unrestricted, via: 'session' };

function invoice(customer: string, document: string, dueDate: string, amount: bigint, currency = 'KWD', extra: Partial<OpenItemInput> = {}): OpenItemInput {
  return { customerNumber: customer, kind: 'invoice', documentNumber: document, erpKey: document, documentDate: '2025-12-01', postingDate: '2025-12-01', dueDate, currency, amount, ...extra };
}

/** Letters of a proposal by customer number. */
function byCustomer(letters: readonly DunningLetterProposal[]): Map<string, DunningLetterProposal> {
  return new Map(letters.map((letter) => [letter.customerNumber, letter]));
}

async function pdfText(pdf: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}

/**
 * Noto Sans Arabic draws the dots of letters such as ت and ن as marks on a
 * shared base glyph, so text extracted from the PDF gives each base glyph
 * one letter of its group. Comparing the letter skeletons checks the
 * words and their order without the dots.
 */
function skeleton(text: string): string {
  const groups = ['بتثنيىئ', 'جحخ', 'دذ', 'رز', 'سش', 'صض', 'طظ', 'عغ', 'فق', 'وؤ', 'اأإآ', 'هة'];
  return [...text]
    .filter((char) => /[\u0621-\u064A]/.test(char))
    .map((char) => groups.find((group) => group.includes(char))?.[0] ?? char)
    .join('');
}

beforeAll(async () => {
  db = await openTestDb();
  smtp = await startLocalSmtp();
  folder = await mkdtemp(join(tmpdir(), 'ardesk-dunning-'));
  await applyImport(db, { kind: 'test', file: 'dunning.csv', sha256: 'dunning' }, [
    {
      company: { code: 'KW1', name: 'Kuwait Cables Company', currency: 'KWD' },
      customers: [
        { customerNumber: 'K-A', name: 'Burgan Contracting' },
        { customerNumber: 'K-B', name: 'Salmiya Trading' },
        { customerNumber: 'K-C', name: 'Jahra Builders' },
        { customerNumber: 'K-D', name: 'Fahaheel Supplies' },
      ],
      items: [
        invoice('K-A', 'A1', '2026-01-01', 1_000_000n),
        invoice('K-A', 'A2', '2026-02-10', 500_250n),
        invoice('K-A', 'A3', '2026-03-15', 7_000n),
        invoice('K-B', 'B1', '2026-01-01', 300_000n),
        invoice('K-B', 'B2', '2026-02-25', 200_000n),
        invoice('K-C', 'C1', '2026-02-20', 50_000n),
        invoice('K-D', 'D1', '2026-01-15', 80_000n),
        invoice('K-D', 'D2', '2026-02-01', 90_000n),
        invoice('K-D', 'D3', '2026-01-10', 70_000n, 'KWD', { disputed: true }),
      ],
      allocations: [],
      rowCount: 9,
    },
    {
      company: { code: 'JP1', name: 'Osaka Steel', currency: 'JPY' },
      customers: [{ customerNumber: 'J-1', name: 'Kobe Machinery' }],
      items: [invoice('J-1', 'J1', '2026-01-30', 123_457n, 'JPY')],
      allocations: [],
      rowCount: 1,
    },
  ]);
  kw = await getCompany(db, 'KW1');
  jp = await getCompany(db, 'JP1');
  const rows = await db.query<{ customer_number: string; customer_id: bigint; item_id: bigint; document_number: string }>(
    'select c.customer_number, c.customer_id, i.item_id, i.document_number from customer c join open_item i using (company_id, customer_id)',
  );
  for (const row of rows.rows) {
    ids.set(row.customer_number, row.customer_id);
    ids.set(row.document_number, row.item_id);
  }
  await setDunningLevels(db, kw.companyId, levelsFile, manager);
  await setDunningLevels(db, jp.companyId, levelsFile, manager);
  await setContact(db, kw.companyId, { customerId: ids.get('K-A')!, email: 'ap@burgan.example', language: 'en' }, cliActor());
  await setContact(db, kw.companyId, { customerId: ids.get('K-B')!, email: 'ap@salmiya.example', language: 'ar' }, cliActor());
  await setContact(db, kw.companyId, { customerId: ids.get('K-D')!, email: 'ap@fahaheel.example', language: 'en' }, cliActor());
  await openDispute(db, kw.companyId, { customerId: ids.get('K-D')!, reason: 'price', department: 'sales', date: '2026-02-20', items: [{ itemId: ids.get('D1')!, amount: 10_000n }] }, cliActor());
});

afterAll(async () => {
  await smtp.close();
  await db.close();
  await rm(folder, { recursive: true, force: true });
});

describe('dunning levels', () => {
  it('stores the example levels with exact fees', async () => {
    const settings = await loadDunningSettings(db, kw.companyId);
    expect(settings.minIntervalDays).toBe(14);
    expect(settings.levels.map((level) => level.minDaysPastDue)).toEqual([1, 30, 60]);
    expect(settings.levels[0]!.fees.get('KWD')).toBe(2_500n);
    expect(settings.levels[1]!.fees.get('JPY')).toBe(2_500n);
    expect(settings.levels[1]!.interestRate).toBe('0.08');
    expect(settings.levels[2]!.texts.ar.subject).toContain('إنذار');
  });

  it('rejects bad levels naming the field', async () => {
    const level = levelsFile.levels[0]!;
    await expect(setDunningLevels(db, kw.companyId, { levels: [{ ...level, level: 2 }] }, manager)).rejects.toThrow(/levels\[0\]\.level 2/);
    await expect(setDunningLevels(db, kw.companyId, { levels: [{ ...level, fees: { KWD: '2.5005' } }] }, manager)).rejects.toThrow(/fees\.KWD.*more than 3 decimal/);
    await expect(setDunningLevels(db, kw.companyId, { levels: [{ ...level, interestRate: '8%' }] }, manager)).rejects.toThrow(/interestRate "8%"/);
    await expect(setDunningLevels(db, kw.companyId, { levels: [{ ...level, texts: { en: level.texts.en } }] }, manager)).rejects.toThrow(/missing levels\[0\]\.texts\.ar/);
    await expect(
      setDunningLevels(db, kw.companyId, { levels: [{ ...level, texts: { ...level.texts, en: { subject: 'x', body: 'Dear {name}' } } }] }, manager),
    ).rejects.toThrow(/unknown placeholder \{name\}/);
    await expect(setDunningLevels(db, kw.companyId, levelsFile, collector)).rejects.toThrow(ForbiddenError);
    // Nothing half-written: the three levels are still there.
    expect((await loadDunningSettings(db, kw.companyId)).levels).toHaveLength(3);
  });
});

describe('dunning interest', () => {
  it('rounds half up in minor units', () => {
    // 73 × 0.5 × 5 / 365 = 0.5 exactly, which rounds up; 72 gives 0.493.
    expect(dunningInterest(73n, '0.5', 5)).toBe(1n);
    expect(dunningInterest(72n, '0.5', 5)).toBe(0n);
    expect(dunningInterest(1_000_000n, null, 30)).toBe(0n);
  });
});

describe('dunning proposal and runs', () => {
  let firstRunId: bigint;

  it('proposes letters without skipping a level and without disputed items', async () => {
    const letters = byCustomer((await proposeDunning(db, kw, '2026-03-01')).letters);
    expect([...letters.keys()]).toEqual(['K-A', 'K-B', 'K-C', 'K-D']);
    const a = letters.get('K-A')!;
    // A1 is 59 days past due, which reaches level 2 by its days, but it
    // was never dunned, so it starts at level 1. A3 is not due yet.
    expect(a.items.map((item) => [item.documentNumber, item.daysPastDue, item.level])).toEqual([
      ['A1', 59, 1],
      ['A2', 19, 1],
    ]);
    expect(a.level).toBe(1);
    expect(a.fee).toBe(2_500n);
    expect(a.email).toBe('ap@burgan.example');
    // 1,000.000 + 500.250 + fee 2.500 = 1,502.750; level 1 charges no interest.
    expect(a.totals).toEqual([{ currency: 'KWD', exponent: 3, openAmount: 1_500_250n, interest: 0n, fee: 2_500n, total: 1_502_750n }]);
    // D1 has an open dispute and D3 is flagged disputed: only D2 is dunned.
    expect(letters.get('K-D')!.items.map((item) => item.documentNumber)).toEqual(['D2']);
    expect(letters.get('K-B')!.language).toBe('ar');
    expect(letters.get('K-C')!.email).toBeNull();
  });

  it('refuses approval by the run creator and by a collector', async () => {
    const run = (await createDunningRun(db, kw, '2026-03-01', manager))!;
    firstRunId = run.runId;
    expect(run.status).toBe('proposed');
    expect(run.letters).toHaveLength(4);
    await expect(approveDunningRun(db, run.runId, manager)).rejects.toThrow(/you created dunning run/);
    await expect(approveDunningRun(db, run.runId, collector)).rejects.toThrow(/may not use dunning.approve/);
    expect((await loadDunningRun(db, run.runId)).status).toBe('proposed');
    const levels = await db.query('select * from dunning_item where company_id = $1', [kw.companyId]);
    expect(levels.rows).toHaveLength(0);
  });

  it('drops a letter, then approves once and records item levels', async () => {
    const run = await loadDunningRun(db, firstRunId);
    const letterD = run.letters.find((letter) => letter.customerNumber === 'K-D')!;
    const dropped = await dropDunningLetter(db, firstRunId, letterD.letterId, 'customer called, pays Friday', collector);
    expect(dropped.letters.find((letter) => letter.letterId === letterD.letterId)!.status).toBe('dropped');

    const approved = await approveDunningRun(db, firstRunId, finance);
    expect(approved.status).toBe('approved');
    expect(approved.approvedBy).toBe('finance@ardesk.example');
    const again = await approveDunningRun(db, firstRunId, finance);
    expect(again.approvedAt).toBe(approved.approvedAt);
    const audits = await db.query(`select 1 from audit_event where action = 'dunning.approve' and entity_id = $1`, [firstRunId.toString()]);
    expect(audits.rows).toHaveLength(1);

    const levels = await db.query<{ document_number: string; level: number; last_dunned_date: string }>(
      `select i.document_number, d.level, d.last_dunned_date from dunning_item d join open_item i using (company_id, item_id)
       where d.company_id = $1 order by i.document_number`,
      [kw.companyId],
    );
    // D2 was in the dropped letter, so it keeps no level.
    expect(levels.rows.map((row) => [row.document_number, Number(row.level)])).toEqual([
      ['A1', 1],
      ['A2', 1],
      ['B1', 1],
      ['B2', 1],
      ['C1', 1],
    ]);
    await expect(dropDunningLetter(db, firstRunId, letterD.letterId, null, collector)).rejects.toThrow(/only before approval/);
  });

  it('mails letters as readable PDFs and prints the rest', async () => {
    const printFile = join(folder, 'print.pdf');
    const result = await sendDunningRun(db, firstRunId, collector, { mail: { url: smtp.url, from: 'Credit Control <ar@kwcables.example>' }, printFile });
    expect(result.sent).toBe(2);
    expect(result.failed).toBe(0);
    expect(result.printed).toBe(1);

    const toA = smtp.messages.find((message) => message.envelopeTo.includes('ap@burgan.example'))!;
    expect(toA.parsed.subject).toBe('Payment reminder: account K-A');
    // The body lists the items it speaks of: A1 and A2, the fee and the total.
    expect(toA.parsed.text).toContain('A1  due 2026-01-01  59 days  1,000.000 KWD');
    expect(toA.parsed.text).toContain('fee  2.500 KWD');
    expect(toA.parsed.text).toContain('total  1,502.750 KWD');
    const attachment = toA.parsed.attachments[0]!;
    expect(attachment.filename).toBe('dunning-KW1-K-A-2026-03-01-L1.pdf');
    const text = await pdfText(attachment.content);
    expect(text).toContain('Burgan Contracting');
    expect(text).toContain('Kuwait Cables Company');
    expect(text).toContain('1,000.000');
    expect(text).toContain('500.250');
    expect(text).toContain('2.500');
    expect(text).toContain('1,502.750');

    const toB = smtp.messages.find((message) => message.envelopeTo.includes('ap@salmiya.example'))!;
    expect(toB.parsed.subject).toBe('تذكير بالسداد: حساب رقم K-B');
    const arabic = await pdfText(toB.parsed.attachments[0]!.content);
    expect(arabic).toContain('Salmiya Trading');
    // B1 300.000 + B2 200.000 + fee 2.500 = 502.500
    expect(arabic).toContain('502.500');
    expect(arabic).toContain('B2');
    expect(skeleton(arabic)).toContain(skeleton('تشير سجلاتنا إلى أن المستندات التالية قد استحقت'));
    expect(skeleton(arabic)).toContain(skeleton('رقم المستند'));

    expect(existsSync(printFile)).toBe(true);
    expect(await pdfText(await readFile(printFile))).toContain('Jahra Builders');
    const mail = await db.query<{ status: string }>(`select status from outbound_mail where purpose = 'dunning' order by mail_id`);
    expect(mail.rows.map((row) => row.status)).toEqual(['sent', 'sent']);
    const statuses = new Map((await loadDunningRun(db, firstRunId)).letters.map((letter) => [letter.customerNumber, letter.status]));
    expect(Object.fromEntries(statuses)).toEqual({ 'K-A': 'sent', 'K-B': 'sent', 'K-C': 'printed', 'K-D': 'dropped' });
  });

  it('leaves customers dunned within the interval alone', async () => {
    // A and C were sent letters 9 days ago, within the 14-day interval: A
    // gets no level 2 letter yet, though its oldest item has reached it.
    const early = byCustomer((await proposeDunning(db, kw, '2026-03-10')).letters);
    expect(early.has('K-C')).toBe(false);
    expect(early.has('K-A')).toBe(false);
    const later = byCustomer((await proposeDunning(db, kw, '2026-03-15')).letters);
    expect(later.get('K-A')!.level).toBe(2);
  });

  it('raises levels one at a time with interest since the last letter', async () => {
    const run = (await createDunningRun(db, kw, '2026-03-20', collector))!;
    const letters = new Map(run.letters.map((letter) => [letter.customerNumber, letter]));
    const a = letters.get('K-A')!;
    // A1 is 78 days past due (level 3 by days) but was at level 1: level 2.
    // A3 has become due and is dunned for the first time, at level 1.
    expect(a.items.map((item) => [item.documentNumber, item.daysPastDue, item.level])).toEqual([
      ['A1', 78, 2],
      ['A2', 38, 2],
      ['A3', 5, 1],
    ]);
    expect(a.level).toBe(2);
    // 19 days since the letter of 2026-03-01 at 8 %: 1,000.000 × 0.08 × 19 / 365
    // = 4.16438 → 4.164; 500.250 × 0.08 × 19 / 365 = 2.08323 → 2.083;
    // A3 from its due date: 7.000 × 0.08 × 5 / 365 = 0.00767 → 0.008.
    expect(a.items.map((item) => [item.interestDays, item.interest])).toEqual([
      [19, 4_164n],
      [19, 2_083n],
      [5, 8n],
    ]);
    expect(a.fee).toBe(5_000n);
    // 1,507.250 + 6.255 interest + 5.000 fee = 1,518.505
    expect(a.totals[0]).toMatchObject({ openAmount: 1_507_250n, interest: 6_255n, fee: 5_000n, total: 1_518_505n });
    // B2 is 23 days past due: level 1 by days, although the letter is level 2 by B1.
    expect(letters.get('K-B')!.items.map((item) => [item.documentNumber, item.level])).toEqual([
      ['B1', 2],
      ['B2', 1],
    ]);
    expect(letters.get('K-B')!.level).toBe(2);
    await approveDunningRun(db, run.runId, manager);
  });

  it('marks a refused letter failed, sends the others, and retries it', async () => {
    const run = (await loadDunningRunByDate('2026-03-20'))!;
    smtp.rejectedRecipients.add('ap@salmiya.example');
    const before = smtp.messages.length;
    const first = await sendDunningRun(db, run, collector, { mail: { url: smtp.url, from: 'ar@kwcables.example' } });
    const outcome = new Map(first.outcomes.map((entry) => [entry.customerNumber, entry]));
    expect(outcome.get('K-B')!.status).toBe('failed');
    expect(outcome.get('K-B')!.error).toMatch(/550/);
    expect(outcome.get('K-A')!.status).toBe('sent');
    expect(outcome.get('K-D')!.status).toBe('sent');
    expect(outcome.get('K-C')!.status).toBe('to_print');
    expect(smtp.messages.length - before).toBe(2);
    const failed = await db.query<{ status: string }>(`select status from outbound_mail where to_address = 'ap@salmiya.example' order by mail_id`);
    expect(failed.rows.map((row) => row.status)).toEqual(['sent', 'failed']);

    smtp.rejectedRecipients.clear();
    const retry = await sendDunningRun(db, run, collector, { mail: { url: smtp.url, from: 'ar@kwcables.example' } });
    expect(retry.outcomes.filter((entry) => entry.status === 'sent').map((entry) => entry.customerNumber)).toEqual(['K-B']);
    expect(retry.sent).toBe(1);
  });

  it('follows the next oldest item after the oldest is paid', async () => {
    await applyImport(db, { kind: 'test', file: 'dunning-payment.csv', sha256: 'dunning-payment' }, [
      {
        company: { code: 'KW1', name: 'Kuwait Cables Company', currency: 'KWD' },
        customers: [{ customerNumber: 'K-B', name: 'Salmiya Trading' }],
        items: [{ ...invoice('K-B', 'PAY-B1', '2026-03-25', -300_000n), kind: 'payment', documentDate: '2026-03-25', postingDate: '2026-03-25' }],
        allocations: [{ creditErpKey: 'PAY-B1', debitErpKey: 'B1', allocationDate: '2026-03-25', amount: 300_000n }],
        rowCount: 1,
      },
    ]);
    const b = byCustomer((await proposeDunning(db, kw, '2026-04-10')).letters).get('K-B')!;
    // B1 would be level 3 now; once paid, B2 (44 days, last level 1) sets the letter: level 2.
    expect(b.items.map((item) => [item.documentNumber, item.level])).toEqual([['B2', 2]]);
    expect(b.level).toBe(2);
    // 200.000 × 0.08 × 21 / 365 = 0.92055 → 0.921; fee 5.000
    expect(b.totals[0]).toMatchObject({ openAmount: 200_000n, interest: 921n, fee: 5_000n, total: 205_921n });
  });

  it('keeps the history per customer', async () => {
    const history = await customerDunningHistory(db, kw.companyId, ids.get('K-A')!);
    expect(history.map((letter) => [letter.asOf, letter.level, letter.status])).toEqual([
      ['2026-03-20', 2, 'sent'],
      ['2026-03-01', 1, 'sent'],
    ]);
  });
});

async function loadDunningRunByDate(asOf: string): Promise<bigint | null> {
  const result = await db.query<{ run_id: bigint }>('select run_id from dunning_run where company_id = $1 and as_of = $2', [kw.companyId, asOf]);
  return result.rows[0]?.run_id ?? null;
}

describe('dunning in a currency without decimals', () => {
  it('charges yen fees and interest in whole yen', async () => {
    const first = (await createDunningRun(db, jp, '2026-03-01', collector))!;
    expect(first.letters[0]!.level).toBe(1);
    expect(first.letters[0]!.fee).toBe(1_000n);
    await approveDunningRun(db, first.runId, manager);
    const letter = (await proposeDunning(db, jp, '2026-03-20')).letters[0]!;
    expect(letter.level).toBe(2);
    // 123,457 × 0.08 × 19 / 365 = 514.12 → 514 yen; fee 2,500 yen.
    expect(letter.items[0]!.interest).toBe(514n);
    expect(letter.totals).toEqual([{ currency: 'JPY', exponent: 0, openAmount: 123_457n, interest: 514n, fee: 2_500n, total: 126_471n }]);
  });
});

describe('dunning-proposal job', () => {
  it('stores one run per company and date for review', async () => {
    const first = await runDailyJobs(db, '2026-04-20', cliActor(), { jobs: ['dunning-proposal'] });
    expect(first[0]!.outcome).toBe('ran');
    const again = await runDailyJobs(db, '2026-04-20', cliActor(), { jobs: ['dunning-proposal'] });
    expect(again[0]!.outcome).toBe('skipped');
    const runs = await db.query<{ company_id: number; status: string; source: string; created_by: string }>(
      `select company_id, status, source, created_by from dunning_run where as_of = '2026-04-20' order by company_id`,
    );
    expect(runs.rows).toHaveLength(2);
    expect(runs.rows.every((row) => row.status === 'proposed' && row.source === 'job' && row.created_by === 'job:dunning-proposal')).toBe(true);
    const sent = await db.query(`select 1 from dunning_letter l join dunning_run r using (company_id, run_id) where r.as_of = '2026-04-20' and l.status <> 'proposed'`);
    expect(sent.rows).toHaveLength(0);
  });
});

describe('company without dunning levels', () => {
  it('rejects a manual run and proposes nothing', async () => {
    const bare = await ensureCompany(db, { code: 'NL1', name: 'No Levels Ltd', currency: 'USD' });
    await expect(createDunningRun(db, bare, '2026-03-01', collector)).rejects.toThrow(/company NL1 has no dunning levels/);
    expect(await createDunningRun(db, bare, '2026-03-01', collector, { source: 'job' })).toBeNull();
    expect((await proposeDunning(db, bare, '2026-03-01')).letters).toEqual([]);
  });
});

describe('two sends of one run at once', () => {
  it('mails each letter once', async () => {
    const run = (await createDunningRun(db, kw, '2026-05-15', collector))!;
    await approveDunningRun(db, run.runId, manager);
    const mailable = run.letters.filter((letter) => ['K-A', 'K-B', 'K-D'].includes(letter.customerNumber)).length;
    expect(mailable).toBeGreaterThan(0);
    const before = smtp.messages.length;
    const mail = { url: smtp.url, from: 'ar@kwcables.example' };
    const [first, second] = await Promise.all([
      sendDunningRun(db, run.runId, collector, { mail }),
      sendDunningRun(db, run.runId, finance, { mail }),
    ]);
    expect(first.sent + second.sent).toBe(mailable);
    expect(smtp.messages.length - before).toBe(mailable);
    const recipients = smtp.messages.slice(before).map((message) => message.envelopeTo.join(','));
    expect(new Set(recipients).size).toBe(recipients.length);
  });
});

describe('a letter whose items are paid after approval', () => {
  it('is dropped at sending instead of mailed', async () => {
    await setContact(db, jp.companyId, { customerId: ids.get('J-1')!, email: 'ap@kobe.example' }, cliActor());
    const run = (await createDunningRun(db, jp, '2026-05-01', collector))!;
    expect(run.letters.map((letter) => letter.customerNumber)).toEqual(['J-1']);
    await approveDunningRun(db, run.runId, manager);
    await applyImport(db, { kind: 'test', file: 'dunning-paid.csv', sha256: 'dunning-paid' }, [
      {
        company: { code: 'JP1', name: 'Osaka Steel', currency: 'JPY' },
        customers: [{ customerNumber: 'J-1', name: 'Kobe Machinery' }],
        items: [{ ...invoice('J-1', 'PAY-J1', '2026-05-02', -123_457n, 'JPY'), kind: 'payment', documentDate: '2026-05-02', postingDate: '2026-05-02' }],
        allocations: [{ creditErpKey: 'PAY-J1', debitErpKey: 'J1', allocationDate: '2026-05-02', amount: 123_457n }],
        rowCount: 1,
      },
    ]);
    const before = smtp.messages.length;
    const result = await sendDunningRun(db, run.runId, collector, { mail: { url: smtp.url, from: 'ar@osaka.example' } });
    expect(result.paid).toBe(1);
    expect(result.sent).toBe(0);
    expect(smtp.messages.length).toBe(before);
    const letter = (await loadDunningRun(db, run.runId)).letters[0]!;
    expect(letter.status).toBe('dropped');
    expect(letter.dropReason).toBe('every item paid after approval');
  });
});
