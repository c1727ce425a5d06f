import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser } from '../../test/helpers/auth.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { cliActor } from '../auth/actor.js';
import { applyImport } from '../ledger/index.js';
import { recordMail } from '../mail/mailer.js';
import { buildApp } from './app.js';

let db: TestDb;
let app: FastifyInstance;
let east: Record<string, string>;
let auditor: Record<string, string>;
const customerIds = new Map<string, string>();
let companyId = 0;

beforeAll(async () => {
  db = await openTestDb();
  await applyImport(db, { kind: 'test', file: 'server-contacts.csv', sha256: 'server-contacts' }, [
    {
      company: { code: 'SCT', currency: 'EUR' },
      customers: [
        { customerNumber: 'E1', name: 'East One', region: 'EAST' },
        { customerNumber: 'W1', name: 'West One', region: 'WEST' },
      ],
      items: [],
      allocations: [],
      rowCount: 0,
    },
  ]);
  const rows = await db.query<{ customer_number: string; customer_id: bigint; company_id: number }>('select customer_number, customer_id, company_id from customer');
  for (const row of rows.rows) {
    customerIds.set(row.customer_number, row.customer_id.toString());
    companyId = row.company_id;
  }
  app = await buildApp(db, { logLevel: 'silent', agingEngine: 'sql' });
  east = bearer((await createTestUser(db, { role: 'collector', regions: ['EAST'] })).token);
  auditor = bearer((await createTestUser(db, { role: 'auditor' })).token);
});
afterAll(async () => {
  await app.close();
  await db.close();
});

async function call(method: 'GET' | 'PUT', url: string, headers: Record<string, string>, payload?: Record<string, unknown>) {
  const response = await app.inject({ method, url: `/api/v1${url}`, headers, ...(payload === undefined ? {} : { payload }) });
  return { status: response.statusCode, body: response.json() };
}

describe('contact routes', () => {
  it('sets a contact per purpose and lists them', async () => {
    const id = customerIds.get('E1')!;
    const set = await call('PUT', `/customers/${id}/contacts/collections`, east, { email: 'ap@east.example', language: 'ar' });
    expect(set.status).toBe(200);
    expect(set.body.contact).toEqual({ purpose: 'collections', email: 'ap@east.example', name: null, language: 'ar' });
    await call('PUT', `/customers/${id}/contacts/statements`, east, { email: 'st@east.example', name: 'Payables' });
    const listed = await call('GET', `/customers/${id}/contacts`, auditor);
    expect(listed.body.contacts.map((contact: { purpose: string; email: string }) => `${contact.purpose}:${contact.email}`)).toEqual([
      'collections:ap@east.example',
      'statements:st@east.example',
    ]);
  });

  it('refuses a bad address, an auditor and a customer outside the region', async () => {
    const bad = await call('PUT', `/customers/${customerIds.get('E1')!}/contacts/collections`, east, { email: 'east at example' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('invalid email "east at example"');
    expect((await call('PUT', `/customers/${customerIds.get('E1')!}/contacts/collections`, auditor, { email: 'a@b.example' })).status).toBe(403);
    expect((await call('PUT', `/customers/${customerIds.get('W1')!}/contacts/collections`, east, { email: 'a@b.example' })).status).toBe(403);
  });

  it("lists the mail sent to a customer with the server's answer", async () => {
    const customerId = BigInt(customerIds.get('E1')!);
    const message = { to: 'ap@east.example', subject: 'Reminder', text: '' };
    await recordMail(db, { companyId, customerId, purpose: 'dunning', reference: 'letter 1', message, outcome: { sent: { messageId: '<m1>', response: '250 OK' } } }, cliActor());
    await recordMail(db, { companyId, customerId, purpose: 'dunning', reference: 'letter 2', message, outcome: { error: '550 mailbox unavailable' } }, cliActor());
    const listed = await call('GET', `/customers/${customerIds.get('E1')!}/mail`, auditor);
    expect(listed.status).toBe(200);
    expect(listed.body.mail.map((entry: { reference: string; status: string }) => `${entry.reference}:${entry.status}`).sort()).toEqual([
      'letter 1:sent',
      'letter 2:failed',
    ]);
    expect(listed.body.mail.find((entry: { status: string }) => entry.status === 'failed').error).toBe('550 mailbox unavailable');
  });
});
