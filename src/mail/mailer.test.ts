import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { startLocalSmtp, type LocalSmtp } from '../../test/helpers/smtp.js';
import { cliActor } from '../auth/actor.js';
import { createMailer, customerMail, mailSettings, recordMail } from './mailer.js';
import { contactOf, setContact } from '../collections/contacts.js';
import { ensureCompany } from '../ledger/companies.js';

describe('mail settings', () => {
  it('takes explicit values before the environment', () => {
    const env = { ARDESK_SMTP_URL: 'smtp://127.0.0.1:1', ARDESK_MAIL_FROM: 'env@example.com' };
    expect(mailSettings({ url: 'smtps://127.0.0.1:465', from: 'AR <ar@example.com>' }, env)).toEqual({
      url: 'smtps://127.0.0.1:465',
      from: 'AR <ar@example.com>',
    });
    expect(mailSettings({}, env)).toEqual({ url: 'smtp://127.0.0.1:1', from: 'env@example.com' });
  });

  it('names what is missing or malformed', () => {
    expect(() => mailSettings({}, {})).toThrow(/ARDESK_SMTP_URL/);
    expect(() => mailSettings({ url: 'http://127.0.0.1' }, {})).toThrow(/scheme must be smtp/);
    expect(() => mailSettings({ url: 'smtp://127.0.0.1:25' }, {})).toThrow(/ARDESK_MAIL_FROM/);
    expect(() => mailSettings({ url: 'smtp://127.0.0.1:25', from: 'nobody' }, {})).toThrow(/invalid sender address "nobody"/);
  });
});

describe('mailer and contacts', () => {
  let db: TestDb;
  let smtp: LocalSmtp;
  let companyId: number;

  beforeAll(async () => {
    db = await openTestDb();
    smtp = await startLocalSmtp();
    const company = await ensureCompany(db, { code: 'M1', name: 'Mail Co', currency: 'EUR' });
    companyId = company.companyId;
    await db.query(`insert into customer (company_id, customer_id, customer_number, name) values ($1, 1, 'C1', 'Customer One')`, [companyId]);
  });

  afterAll(async () => {
    await smtp.close();
    await db.close();
  });

  it('delivers a message with its attachment and records it', async () => {
    const mailer = createMailer(mailSettings({ url: smtp.url, from: 'Credit Control <ar@example.com>' }, {}));
    const content = Buffer.from('%PDF-1.4 test');
    const sent = await mailer.send({
      to: 'payables@customer.example',
      subject: 'Statement',
      text: 'Please find attached.',
      attachments: [{ filename: 'statement.pdf', content, contentType: 'application/pdf' }],
    });
    mailer.close();
    expect(sent.response).toMatch(/^250/);
    expect(smtp.messages).toHaveLength(1);
    const message = smtp.messages[0]!;
    expect(message.envelopeTo).toEqual(['payables@customer.example']);
    expect(message.parsed.subject).toBe('Statement');
    expect(message.parsed.attachments[0]!.filename).toBe('statement.pdf');
    expect(message.parsed.attachments[0]!.content.equals(content)).toBe(true);

    await recordMail(
      db,
      {
        companyId,
        customerId: 1n,
        purpose: 'statement',
        reference: 'statement 2026-01-01..2026-01-31',
        message: { to: 'payables@customer.example', subject: 'Statement', text: '', attachments: [{ filename: 'statement.pdf', content, contentType: 'application/pdf' }] },
        outcome: { sent },
      },
      cliActor(),
    );
    const history = await customerMail(db, companyId, 1n);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ status: 'sent', to: 'payables@customer.example', attachmentName: 'statement.pdf' });
  });

  it('keeps a contact per purpose and falls back for statements', async () => {
    await setContact(db, companyId, { customerId: 1n, email: 'ar@customer.example', language: 'ar' }, cliActor());
    expect(await contactOf(db, companyId, 1n, 'statements')).toMatchObject({ email: 'ar@customer.example', purpose: 'collections', language: 'ar' });
    expect(await contactOf(db, companyId, 1n, 'statements', false)).toBeNull();
    await setContact(db, companyId, { customerId: 1n, purpose: 'statements', email: 'st@customer.example' }, cliActor());
    expect(await contactOf(db, companyId, 1n, 'statements')).toMatchObject({ email: 'st@customer.example', language: 'en' });
    await expect(setContact(db, companyId, { customerId: 1n, email: 'not an address' }, cliActor())).rejects.toThrow(/invalid email "not an address"/);
    await expect(setContact(db, companyId, { customerId: 1n, email: 'a@b.example', language: 'fr' }, cliActor())).rejects.toThrow(/invalid language "fr"/);
  });
});
