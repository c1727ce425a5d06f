import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { startLocalSmtp, type LocalSmtp } from '../../test/helpers/smtp.js';
import { ForbiddenError } from '../auth/errors.js';
import { unrestricted, type Actor } from '../auth/types.js';
import { applyImport, getCompany, type OpenItemInput } from '../ledger/index.js';
import { createMailer, customerMail, mailSettings } from '../mail/mailer.js';
import { setContact } from './contacts.js';
import { runStatementBatch, type StatementBatchRequest } from './statement-batch.js';

let db: TestDb;
let smtp: LocalSmtp;
let folder: string;
let companyId: number;
const actor: Actor = { userId: null, email: 'collector@example.com', role: 'collector', scope: unrestricted, via: 'cli' };

function item(customerNumber: string, kind: OpenItemInput['kind'], documentNumber: string, date: string, amount: bigint): OpenItemInput {
  return {
    customerNumber,
    kind,
    documentNumber,
    erpKey: documentNumber,
    documentDate: date,
    postingDate: date,
    dueDate: date,
    currency: 'KWD',
    amount,
  };
}

async function customerId(number: string): Promise<bigint> {
  const result = await db.query<{ customer_id: bigint }>('select customer_id from customer where company_id = $1 and customer_number = $2', [companyId, number]);
  return result.rows[0]!.customer_id;
}

async function pdfText(content: Buffer): Promise<string> {
  const parser = new PDFParse({ data: content });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}

const period = { company: 'SB01', from: '2026-03-01', to: '2026-03-31' };

beforeAll(async () => {
  db = await openTestDb();
  smtp = await startLocalSmtp();
  folder = await mkdtemp(join(tmpdir(), 'ardesk-statement-batch-'));
  await applyImport(db, { kind: 'test', file: 'batch', sha256: 'statement-batch' }, [
    {
      company: { code: 'SB01', name: 'Batch Lubricants', currency: 'KWD' },
      customers: [
        { customerNumber: 'C1', name: 'Crescent Garage', region: 'North' },
        { customerNumber: 'C2', name: 'Coral Transport', region: 'North' },
        { customerNumber: 'C3', name: 'Cedar Workshop', region: 'North' },
        { customerNumber: 'C4', name: 'Cobalt Fleet', region: 'North' },
        { customerNumber: 'C5', name: 'Quiet Account', region: 'North' },
        { customerNumber: 'C6', name: 'Canyon Motors', region: 'South' },
      ],
      items: [
        // C1: 1,250.500 invoiced in March.
        item('C1', 'invoice', 'C1-1', '2026-03-05', 1_250_500n),
        // C2: 400.000 open since February, no movement in March.
        item('C2', 'invoice', 'C2-1', '2026-02-10', 400_000n),
        item('C3', 'invoice', 'C3-1', '2026-03-12', 75_250n),
        item('C4', 'invoice', 'C4-1', '2026-03-20', 10_000n),
        // C5: invoiced and paid in January, so nothing to state for March.
        item('C5', 'invoice', 'C5-1', '2026-01-05', 5_000n),
        item('C5', 'payment', 'C5-P', '2026-01-20', -5_000n),
        item('C6', 'invoice', 'C6-1', '2026-03-02', 20_000n),
      ],
      allocations: [{ erpKey: 'A5', creditErpKey: 'C5-P', debitErpKey: 'C5-1', allocationDate: '2026-01-20', amount: 5_000n }],
      rowCount: 7,
    },
  ]);
  companyId = (await getCompany(db, 'SB01')).companyId;
  await setContact(db, companyId, { customerId: await customerId('C1'), purpose: 'statements', email: 'ap@crescent.example', name: 'Mona' }, actor);
  // C2 has only a collections contact, which statements fall back to.
  await setContact(db, companyId, { customerId: await customerId('C2'), purpose: 'collections', email: 'ar@coral.example' }, actor);
  await setContact(db, companyId, { customerId: await customerId('C4'), purpose: 'statements', email: 'closed@cobalt.example' }, actor);
  await setContact(db, companyId, { customerId: await customerId('C6'), purpose: 'statements', email: 'ap@canyon.example' }, actor);
  smtp.rejectedRecipients.add('closed@cobalt.example');
}, 120_000);

afterAll(async () => {
  await smtp.close();
  await db.close();
  await rm(folder, { recursive: true, force: true });
});

async function run(request: StatementBatchRequest, printDir?: string) {
  const mailer = createMailer(mailSettings({ url: smtp.url, from: 'Credit Control <ar@batch.example>' }, {}));
  try {
    return await runStatementBatch(db, request, { mailer, printDir }, actor);
  } finally {
    mailer.close();
  }
}

describe('statement batch', () => {
  it('mails the region, records a refusal and writes the customer without contact', async () => {
    const result = await run({ ...period, selection: { kind: 'region', region: 'North' } }, folder);
    // C5 has no balance and no movement in March; C6 is South.
    expect(result.outcomes.map((outcome) => [outcome.customerNumber, outcome.status, outcome.to])).toEqual([
      ['C1', 'sent', 'ap@crescent.example'],
      ['C2', 'sent', 'ar@coral.example'],
      ['C3', 'written', null],
      ['C4', 'failed', 'closed@cobalt.example'],
    ]);
    expect([result.total, result.sent, result.failed, result.skipped, result.written]).toEqual([4, 2, 1, 0, 1]);
    expect(result.outcomes[3]!.error).toMatch(/550/);
    expect(await readdir(folder)).toEqual(['statement-SB01-C3-2026-03-01-2026-03-31.pdf']);
    const printed = await pdfText(await readFile(join(folder, 'statement-SB01-C3-2026-03-01-2026-03-31.pdf')));
    expect(printed).toContain('Cedar Workshop');
  });

  it('attaches a readable PDF with the name and closing balance', () => {
    const message = smtp.messages.find((entry) => entry.envelopeTo.includes('ap@crescent.example'))!;
    expect(message.parsed.subject).toBe('Statement of account C1, 2026-03-01 to 2026-03-31: Batch Lubricants');
    expect(message.parsed.text).toContain('The closing balance on 2026-03-31 is 1,250.500 KWD.');
    const attachment = message.parsed.attachments[0]!;
    expect(attachment.contentType).toBe('application/pdf');
    return pdfText(attachment.content).then((text) => {
      expect(text).toContain('Crescent Garage');
      expect(text).toContain('1,250.500');
    });
  });

  it('records every message handed to the server', async () => {
    const c1 = await customerMail(db, companyId, await customerId('C1'));
    const c4 = await customerMail(db, companyId, await customerId('C4'));
    const c3 = await customerMail(db, companyId, await customerId('C3'));
    expect(c1.map((mail) => [mail.purpose, mail.status, mail.attachmentName])).toEqual([['statement', 'sent', 'statement-SB01-C1-2026-03-01-2026-03-31.pdf']]);
    expect(c4.map((mail) => [mail.status, mail.to])).toEqual([['failed', 'closed@cobalt.example']]);
    expect(c3).toEqual([]);
  });

  it('resumes without mailing a customer twice', async () => {
    const before = smtp.messages.length;
    const mailer = createMailer(mailSettings({ url: smtp.url, from: 'statements@batch.example' }, {}));
    try {
      const request: StatementBatchRequest = { ...period, selection: { kind: 'region', region: 'North' } };
      const result = await runStatementBatch(db, request, { mailer, printDir: folder, resume: true }, actor);
      // C1 and C2 were mailed by the first batch; C4 was refused, so it is tried again.
      expect(result.outcomes.map((outcome) => [outcome.customerNumber, outcome.status])).toEqual([
        ['C1', 'skipped'],
        ['C2', 'skipped'],
        ['C3', 'written'],
        ['C4', 'failed'],
      ]);
      expect(result.outcomes[0]!.error).toMatch(/^mailed before, on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
    } finally {
      mailer.close();
    }
    expect(smtp.messages.length).toBe(before);
  });

  it('lists a customer without contact as skipped when there is no print folder', async () => {
    const result = await run({ ...period, selection: { kind: 'customers', customerNumbers: ['C3', 'C6', 'NOPE'] } });
    expect(result.outcomes.map((outcome) => [outcome.customerNumber, outcome.status])).toEqual([
      ['C3', 'skipped'],
      ['C6', 'sent'],
      ['NOPE', 'failed'],
    ]);
    expect(result.outcomes[0]!.error).toBe('no statements or collections contact');
    expect(result.outcomes[2]!.error).toBe('customer "NOPE" not found in company SB01');
  });

  it('selects every customer with a balance or a movement', async () => {
    const all = join(folder, 'all');
    await mkdir(all);
    const result = await runStatementBatch(db, { ...period, selection: { kind: 'active' } }, { printDir: all }, actor);
    // Without a mailer every statement is written; C5 had nothing open and no movement.
    expect(result.outcomes.map((outcome) => [outcome.customerNumber, outcome.status])).toEqual([
      ['C1', 'written'],
      ['C2', 'written'],
      ['C3', 'written'],
      ['C4', 'written'],
      ['C6', 'written'],
    ]);
    expect((await readdir(all)).length).toBe(5);
    // C2's closing balance is its February invoice, untouched in March.
    expect(result.outcomes[1]!.closingBalance).toBe(400_000n);
  });

  it('names the folder it cannot write to', async () => {
    const missing = join(folder, 'missing');
    const attempt = runStatementBatch(db, { ...period, selection: { kind: 'customers', customerNumbers: ['C1'] } }, { printDir: missing }, actor);
    await expect(attempt).rejects.toThrow(missing);
  });

  it('keeps to the scope and the work roles', async () => {
    const south: Actor = { ...actor, scope: { companyIds: null, regions: ['South'] } };
    const result = await runStatementBatch(db, { ...period, selection: { kind: 'active' }, scope: south.scope }, { printDir: folder }, south);
    expect(result.outcomes.map((outcome) => outcome.customerNumber)).toEqual(['C6']);
    const auditor: Actor = { ...actor, role: 'auditor' };
    await expect(runStatementBatch(db, { ...period, selection: { kind: 'active' } }, { printDir: folder }, auditor)).rejects.toThrow(ForbiddenError);
  });
});
